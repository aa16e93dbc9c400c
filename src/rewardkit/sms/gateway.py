"""Which provider sends a mode's messages, chosen once per process from the settings (a runtime part).

* live mode: `REWARDKIT_SMS_PROVIDER`: `twilio`, or `console` (development only); empty: `console` in
  development, none in production (queue_sms answers 422 `sms_unavailable`);
* test mode: the sandbox's magic numbers first (kit/sms.py `SANDBOX`), then `REWARDKIT_SMS_TEST_PROVIDER`
  (`console` by default, so test mode never texts a real phone unless the operator asks for it).

A setting that cannot work (console for live messages in production, twilio without credentials) stops
the process at start-up, not at the first message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rewardkit.kit.sms import ConsoleProvider, SmsProvider, TwilioProvider

if TYPE_CHECKING:
    from rewardkit.runtime import Runtime


class SmsGateway:
    def __init__(self, live: SmsProvider | None, test: SmsProvider) -> None:
        self.live = live
        self.test = test

    @classmethod
    def open(cls, rt: Runtime) -> SmsGateway:
        s = rt.settings
        development = s.environment == "development"
        # stdout only, and never in production: a printed message holds its link (a bearer token).
        console = ConsoleProvider(echo=development and s.sms_console_echo)
        twilio: TwilioProvider | None = None
        if "twilio" in (s.sms_provider, s.sms_test_provider):
            try:
                twilio = TwilioProvider(
                    rt.outbound,
                    base_url=s.sms_url,
                    account_sid=s.sms_account_sid,
                    auth_token=s.sms_auth_token,
                    from_number=s.sms_from,
                    messaging_service_sid=s.sms_messaging_service_sid,
                    timeout=s.sms_timeout_seconds,
                )
            except ValueError as exc:
                raise RuntimeError(str(exc)) from None
        live: SmsProvider | None
        if s.sms_provider == "twilio":
            live = twilio
        elif s.sms_provider == "console" and not development:
            raise RuntimeError(
                "REWARDKIT_SMS_PROVIDER=console sends nothing: it is for development only; set twilio (or leave "
                "it empty to refuse live SMS) in production"
            )
        else:
            live = console if development else None
        test: SmsProvider = twilio if s.sms_test_provider == "twilio" and twilio is not None else console
        return cls(live, test)

    def provider(self, mode: str) -> SmsProvider | None:
        return self.test if mode == "test" else self.live
