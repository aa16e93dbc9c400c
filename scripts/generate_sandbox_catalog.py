#!/usr/bin/env python3
"""Generate the sandbox catalog and FX rates shipped with rewardkit.

Writes src/rewardkit/catalog/data/sandbox_catalog.json and fx_rates.json. The output is fully
deterministic (fixed seed, no network, sorted output) so re-running it produces byte-identical files
and reviewers only ever see intentional diffs. Every amount is an integer in the ISO 4217 minor units
of the product currency. Run: python scripts/generate_sandbox_catalog.py
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pycountry

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "src" / "rewardkit" / "catalog" / "data"
CATALOG_PATH = DATA_DIR / "sandbox_catalog.json"
FX_PATH = DATA_DIR / "fx_rates.json"
AS_OF = "2026-11-01"
# Fixed seed: the RNG only adds small, realistic variety (top-up limits, lounge prices).
SEED = 20261101
CATEGORIES = ("gift_card", "merchandise", "lounge", "charity", "mobile_topup", "perk")

# --- currencies -----------------------------------------------------------------------------------
# code, ISO 4217 minor units, approximate units per 1 USD. Minor units must match rewardkit.kit.money.
CURRENCY_TABLE = """
USD 2 1        EUR 2 0.86     GBP 2 0.76     JPY 0 151.2    CAD 2 1.39     AUD 2 1.53
NZD 2 1.74     CHF 2 0.80     SEK 2 9.50     NOK 2 10.10    DKK 2 6.42     ISK 0 124
PLN 2 3.65     CZK 2 21.00    HUF 2 335      RON 2 4.38     RSD 2 101      BAM 2 1.68
MKD 2 53.0     ALL 2 83.5     MDL 2 17.0     UAH 2 41.5     GEL 2 2.70     AMD 2 385
AZN 2 1.70     TRY 2 42.0     KZT 2 520      UZS 2 12000    KGS 2 87.4     TJS 2 9.40
MNT 2 3580     AED 2 3.6725   SAR 2 3.75     QAR 2 3.64     KWD 3 0.307    BHD 3 0.376
OMR 3 0.3845   JOD 3 0.709    LBP 2 89500    IQD 3 1310     ILS 2 3.30     EGP 2 48.0
TND 3 2.95     MAD 2 9.20     DZD 2 130      LYD 3 5.45     NGN 2 1500     GHS 2 11.0
KES 2 129      UGX 0 3600     TZS 2 2450     RWF 0 1450     BIF 0 2950     ETB 2 150
SOS 2 571      DJF 0 178      ZAR 2 17.5     NAD 2 17.5     BWP 2 13.5     ZMW 2 23.0
MWK 2 1735     MZN 2 63.9     AOA 2 915      MGA 2 4500     MUR 2 45.5     SCR 2 14.2
LSL 2 17.5     SZL 2 17.5     CDF 2 2850     XAF 0 565      XOF 0 565      GNF 0 8650
SLE 2 22.8     LRD 2 180      GMD 2 72.0     CVE 2 95.0     MRU 2 39.8     KMF 0 423
INR 2 88.5     PKR 2 281      BDT 2 122      LKR 2 302      NPR 2 141      BTN 2 88.5
MVR 2 15.4     CNY 2 7.12     HKD 2 7.78     MOP 2 8.01     TWD 2 30.5     KRW 0 1420
SGD 2 1.30     MYR 2 4.22     IDR 2 16600    PHP 2 58.5     THB 2 32.5     VND 0 26300
KHR 2 4010     LAK 2 21700    MMK 2 2100     BND 2 1.30     FJD 2 2.27     PGK 2 4.20
WST 2 2.75     TOP 2 2.38     VUV 0 120      SBD 2 8.40     MXN 2 18.5     BRL 2 5.40
ARS 2 1450     CLP 0 940      COP 2 3900     PEN 2 3.45     BOB 2 6.91     PYG 0 7300
UYU 2 40.0     GTQ 2 7.70     HNL 2 26.2     NIO 2 36.8     CRC 2 505      DOP 2 63.0
HTG 2 131      JMD 2 160      TTD 2 6.78     BBD 2 2.00     BSD 2 1.00     BZD 2 2.00
GYD 2 209      SRD 2 38.0     XCD 2 2.70     AWG 2 1.79     KYD 2 0.833    SDG 2 600
"""


def _parse_currencies() -> tuple[dict[str, int], dict[str, Decimal]]:
    tokens = CURRENCY_TABLE.split()
    exps: dict[str, int] = {}
    rates: dict[str, Decimal] = {}
    for i in range(0, len(tokens), 3):
        code, exp, rate = tokens[i : i + 3]
        exps[code] = int(exp)
        rates[code] = Decimal(rate)
    return exps, rates


EXPONENTS, RATES = _parse_currencies()

# --- countries and mobile operators ---------------------------------------------------------------
# country, currency, operators (";"-separated). "*" stands for a fictional "<Country> Mobile" brand,
# used where we would rather not name a real operator.
COUNTRY_TABLE = """
US USD AT&T; Verizon; T-Mobile
CA CAD Rogers; Bell
MX MXN Telcel; Movistar
BR BRL Vivo; Claro
AR ARS Claro; Personal
CL CLP Entel; Movistar
CO COP Claro; Tigo
PE PEN Claro; Movistar
EC USD Claro
BO BOB Tigo
PY PYG Tigo
UY UYU Antel
GT GTQ Tigo
HN HNL Tigo
SV USD Tigo
NI NIO Claro
CR CRC Kolbi
PA USD Tigo
DO DOP Claro; Altice
HT HTG Digicel
JM JMD Digicel; Flow
TT TTD Digicel
BB BBD Digicel
BS BSD BTC
BZ BZD Digi
GY GYD Digicel
SR SRD Digicel
PR USD Claro
LC XCD Digicel; Flow
GD XCD Digicel
VC XCD Flow
AG XCD Digicel
DM XCD Flow
KN XCD Flow
AW AWG Digicel
KY KYD Digicel
GB GBP EE; Vodafone
IE EUR Vodafone; Three
DE EUR Telekom; Vodafone
FR EUR Orange; SFR
ES EUR Movistar; Vodafone
IT EUR TIM; Vodafone
PT EUR MEO; NOS
NL EUR KPN; Vodafone
BE EUR Proximus; Orange
AT EUR A1; Magenta
CH CHF Swisscom; Sunrise
LU EUR POST
FI EUR Elisa; DNA
SE SEK Telia; Tele2
NO NOK Telenor; Telia
DK DKK TDC; Telenor
IS ISK Siminn
PL PLN Orange; Play
CZ CZK O2; T-Mobile
SK EUR Orange
HU HUF Telekom; Yettel
RO RON Orange; Digi
BG EUR A1; Vivacom
GR EUR Cosmote; Vodafone
HR EUR Hrvatski Telekom
SI EUR Telekom Slovenije
RS RSD mts
BA BAM m:tel
ME EUR One
MK MKD Makedonski Telekom
AL ALL Vodafone
MD MDL Orange
UA UAH Kyivstar; lifecell
EE EUR Telia
LV EUR LMT
LT EUR Telia
MT EUR Epic
CY EUR Cyta
GE GEL Magti
AM AMD Team
AZ AZN Azercell
TR TRY Turkcell; Türk Telekom
KZ KZT Kcell
UZ UZS Beeline
KG KGS MegaCom
TJ TJS Tcell
MN MNT Unitel
AE AED Etisalat; du
SA SAR STC; Mobily
QA QAR Ooredoo; Vodafone
KW KWD Zain; Ooredoo
BH BHD Batelco; Zain
OM OMR Omantel; Ooredoo
JO JOD Zain; Orange
LB LBP Alfa
IQ IQD Zain
IL ILS Partner; Cellcom
PS ILS Jawwal
EG EGP Vodafone; Orange
TN TND Ooredoo
MA MAD Maroc Telecom; Orange
DZ DZD Djezzy
LY LYD Libyana
NG NGN MTN; Airtel; Glo
GH GHS MTN; Telecel
KE KES Safaricom; Airtel
UG UGX MTN; Airtel
TZ TZS Vodacom; Airtel
RW RWF MTN
BI BIF Lumitel
ET ETB Ethio Telecom; Safaricom
SO SOS Hormuud
DJ DJF *
SD SDG Zain
ZA ZAR Vodacom; MTN
NA NAD MTC
BW BWP Mascom
ZM ZMW MTN; Airtel
ZW USD Econet
MW MWK Airtel
MZ MZN Vodacom
AO AOA Unitel
MG MGA Telma
MU MUR my.t
SC SCR Airtel
LS LSL Vodacom
SZ SZL MTN
CD CDF Vodacom; Orange
CG XAF MTN
CM XAF MTN; Orange
GA XAF Airtel
TD XAF Airtel
CF XAF Orange
GQ XAF *
SN XOF Orange; Free
CI XOF Orange; MTN
ML XOF Orange
BF XOF Orange
NE XOF Airtel
TG XOF Moov
BJ XOF MTN
GW XOF *
GN GNF Orange; MTN
SL SLE Orange
LR LRD Orange
GM GMD Africell
CV CVE *
MR MRU Mauritel
KM KMF *
IN INR Airtel; Jio; Vi
PK PKR Jazz; Zong
BD BDT Grameenphone; Robi
LK LKR Dialog
NP NPR Ncell
BT BTN *
MV MVR Dhiraagu
CN CNY China Mobile; China Unicom
HK HKD CSL; SmarTone
MO MOP CTM
TW TWD Chunghwa Telecom; Taiwan Mobile
JP JPY NTT docomo; SoftBank
KR KRW SK Telecom; KT
SG SGD Singtel; StarHub
MY MYR Maxis; CelcomDigi
ID IDR Telkomsel; Indosat
PH PHP Globe; Smart
TH THB AIS; True
VN VND Viettel; MobiFone
KH KHR Cellcard
LA LAK Unitel
MM MMK MPT
BN BND DST
TL USD Telkomcel
AU AUD Telstra; Optus
NZ NZD One NZ; Spark
FJ FJD Vodafone
PG PGK Digicel
WS WST Digicel
TO TOP Digicel
VU VUV Digicel
SB SBD *
"""


def _parse_countries() -> dict[str, tuple[str, list[str]]]:
    out: dict[str, tuple[str, list[str]]] = {}
    for line in COUNTRY_TABLE.strip().splitlines():
        code, currency, rest = line.split(" ", 2)
        out[code] = (currency, [op.strip() for op in rest.split(";")])
    return out


COUNTRIES = _parse_countries()
EUROZONE = sorted(c for c, (cur, _) in COUNTRIES.items() if cur == "EUR")
GLOBAL = sorted(COUNTRIES)
# pycountry's official names ("Korea, Republic of") read badly in product names.
NAME_OVERRIDES = {
    "US": "the United States",
    "GB": "the United Kingdom",
    "CD": "DR Congo",
    "CG": "Republic of the Congo",
    "CV": "Cape Verde",
    "BN": "Brunei",
    "PS": "Palestine",
    "NL": "the Netherlands",
    "PH": "the Philippines",
    "AE": "the UAE",
    "DO": "the Dominican Republic",
    "BS": "the Bahamas",
    "GM": "the Gambia",
    "CF": "the Central African Republic",
    "KY": "the Cayman Islands",
}


def country_name(code: str) -> str:
    if code in NAME_OVERRIDES:
        return NAME_OVERRIDES[code]
    c = pycountry.countries.get(alpha_2=code)
    assert c is not None, code
    return str(getattr(c, "common_name", None) or c.name)


def bare_country_name(code: str) -> str:
    name = country_name(code)
    return name[4:] if name.startswith("the ") else name


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"[&:'.!+]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")


# --- amounts --------------------------------------------------------------------------------------


def to_minor(major: Decimal, currency: str) -> int:
    minor = major.scaleb(EXPONENTS[currency])
    assert minor == minor.to_integral_value(), (major, currency)
    return int(minor)


def fmt(minor: int, currency: str) -> str:
    exp = EXPONENTS[currency]
    return f"{Decimal(minor).scaleb(-exp):,.{exp}f} {currency}"


def nice(value: Decimal) -> Decimal:
    """Nearest 1-1.5-2-2.5-3-5 x 10^k value, the way real price lists and top-up limits are chosen."""
    magnitude = Decimal(10) ** (value.adjusted())
    candidates = [m * magnitude for m in (Decimal(m) for m in ("1", "1.5", "2", "2.5", "3", "5", "10"))]
    return min(candidates, key=lambda c: max(c / value, value / c))


def range_step(currency: str) -> Decimal:
    # About one "unit" of local money: 1 USD, 0.1 KWD, 10 INR, 1000 KRW. Never below one minor unit.
    step = Decimal(10) ** RATES[currency].adjusted()
    return max(step, Decimal(1).scaleb(-EXPONENTS[currency]))


def usd_range(min_usd: int, max_usd: int, currency: str) -> dict[str, int]:
    rate, step = RATES[currency], range_step(currency)
    lo = (nice(min_usd * rate) / step).to_integral_value(ROUND_CEILING) * step
    hi = (nice(max_usd * rate) / step).to_integral_value(ROUND_FLOOR) * step
    lo = max(lo, step)
    assert hi > lo, (currency, lo, hi)
    return {"min": to_minor(lo, currency), "max": to_minor(hi, currency), "step": to_minor(step, currency)}


def price(usd: Decimal, currency: str) -> int:
    """A shelf price: 2 significant digits, and a .99 ending where shoppers expect one."""
    local = usd * RATES[currency]
    q = Decimal(10) ** max(0, local.adjusted() - 1)
    major = (local / q).to_integral_value(ROUND_HALF_UP) * q
    minor = to_minor(major, currency)
    if EXPONENTS[currency] == 2 and RATES[currency] < 20 and minor > 100:
        minor -= 1
    return minor


# Gift-card ladders in major units: what the issuer actually sells in that market.
LADDERS = {
    "USD": "10 25 50 100 200",
    "EUR": "10 25 50 100 200",
    "GBP": "10 25 50 100 200",
    "CAD": "10 25 50 100 200",
    "AUD": "20 30 50 100 200",
    "NZD": "20 30 50 100 200",
    "JPY": "1000 3000 5000 10000 20000",
    "KRW": "10000 30000 50000 100000 200000",
    "CNY": "50 100 200 500 1000",
    "HKD": "100 200 300 500 1000",
    "TWD": "300 500 1000 2000 5000",
    "SGD": "10 20 50 100 200",
    "MYR": "30 50 100 200 500",
    "IDR": "100000 200000 300000 500000 1000000",
    "PHP": "500 1000 2000 3000 5000",
    "THB": "300 500 1000 2000 5000",
    "VND": "200000 500000 1000000 2000000 5000000",
    "INR": "500 1000 2000 5000 10000",
    "MXN": "200 500 1000 2000 5000",
    "PEN": "50 100 200 300 500",
    "BRL": "50 100 200 300 500",
    "ARS": "10000 20000 50000 100000 200000",
    "CLP": "10000 20000 30000 50000 100000",
    "COP": "30000 50000 100000 200000 500000",
    "UYU": "500 1000 2000 4000 8000",
    "CHF": "10 20 50 100 200",
    "SEK": "100 200 500 1000 2000",
    "NOK": "100 200 500 1000 2000",
    "DKK": "100 200 300 500 1000",
    "PLN": "50 100 200 300 500",
    "CZK": "250 500 1000 2000 5000",
    "TRY": "250 500 1000 2000 5000",
    "AED": "50 100 200 500 1000",
    "SAR": "50 100 200 500 1000",
    "QAR": "50 100 200 500 1000",
    "KWD": "5 10 20 30 50",
    "BHD": "5 10 20 30 50",
    "OMR": "5 10 20 30 50",
    "JOD": "5 10 20 50 100",
    "EGP": "250 500 1000 2000 5000",
    "ZAR": "100 200 500 1000 2000",
    "NGN": "10000 20000 50000 100000 200000",
    "KES": "1000 2000 5000 10000 20000",
    "MAD": "100 200 500 1000 2000",
}
TIERS = {"low": slice(0, 4), "high": slice(1, 5), "all": slice(0, 5), "mid": slice(1, 4)}


def ladder(currency: str, tier: str) -> list[int]:
    return [to_minor(Decimal(v), currency) for v in LADDERS[currency].split()[TIERS[tier]]]


def expiry_sentence(validity_days: int | None) -> str:
    if validity_days is None:
        return "Does not expire."
    return f"Must be redeemed within {validity_days} days of issue."


def describe_denoms(d: dict[str, Any], currency: str) -> str:
    if "fixed" in d:
        return "Available in " + ", ".join(fmt(v, currency) for v in d["fixed"]) + "."
    return f"Choose any amount from {fmt(d['min'], currency)} to {fmt(d['max'], currency)}."


LOUNGE_TERMS = (
    "Entry depends on capacity and may be refused at peak times. Valid for one adult on the day of "
    "travel with a boarding pass for a departing flight; dress code and airline rules apply."
)
# Description, redemption instructions and terms per kind of product, filled in with str.format.
# Templated on purpose: the sandbox needs realistic, consistent text, not copywriting per product.
TEXT: dict[str, tuple[str, str, str]] = {
    "mobile_topup": (
        "Prepaid airtime for {brand} numbers in {where}.",
        "Enter the recipient's mobile number in international format. The credit is sent straight to the "
        "prepaid line, usually within a few minutes; no code is needed.",
        "Prepaid lines only. A top-up cannot be reversed once delivered to the number entered. Operator "
        "taxes and bundle prices may vary.",
    ),
    "gift_card": (
        "A digital {brand} gift card for {where}, spent like cash on eligible {brand} purchases.",
        "Open {brand} on the web or in the app, go to the gift card or redeem section and enter the code "
        "from your reward. The balance is added to your account straight away.",
        "Redeemable only with {brand} accounts registered in {where}. Not exchangeable for cash except where "
        "the law requires it; cannot be reloaded. {brand} is not a sponsor of this program.",
    ),
    "prepaid_card": (
        "A virtual {name} usable online wherever {brand} is accepted in {where}.",
        "Open the card link from your reward to see the card number, expiry date and security code, then "
        "use them at any online checkout.",
        "Cannot be used for cash withdrawals or recurring payments. Issued by a licensed {brand} issuer; the "
        "unused balance is not refundable.",
    ),
    "lounge": (
        "Up to three hours in the {lounge} at {airport} airport ({iata}) before departure, with snacks, "
        "drinks and Wi-Fi. Buy one visit or two.",
        "Show the QR code from your reward together with your boarding pass at the lounge reception.",
        LOUNGE_TERMS,
    ),
    "lounge_network": (
        "One lounge visit at any participating airport lounge in the {brand} network, in {where}.",
        "Open the {brand} app, add the pass code from your reward and show the digital pass at the lounge.",
        LOUNGE_TERMS,
    ),
    "charity": (
        "A donation to {brand}, which {mission}.",
        "Choose an amount; the donation is made in your name and a confirmation with a receipt reference is "
        "emailed to you.",
        "Donations are final and not refundable. Tax receipts are issued by the charity where local rules "
        "allow. The full amount is passed on to the charity.",
    ),
    "merchandise": (
        "{brand} {item}, delivered to an address in {where}. Shipping and taxes included.",
        "Enter your shipping address when you redeem. The item ships within five business days and a "
        "tracking link is emailed to you.",
        "Ships only to addresses in {where}. Colour and size subject to availability. Unused items can be "
        "returned within 30 days.",
    ),
    "perk": (
        "{blurb}, for {brand} accounts in {where}.",
        "Open the {brand} app or website, go to the promo code or gift section and enter the code from your "
        "reward.",
        "For new or existing {brand} accounts in {where}; one code per account. No cash value.",
    ),
}


def product(
    pid: str,
    name: str,
    category: str,
    countries: list[str],
    currency: str,
    denominations: dict[str, Any],
    validity_days: int | None,
    text: str,
    **fields: str,
) -> dict[str, Any]:
    """One catalog entry; `fields` (brand, where, ...) fill the TEXT[text] templates."""
    description, instructions, terms = (t.format(name=name, **fields) for t in TEXT[text])
    return {
        "id": pid,
        "brand": fields["brand"],
        "name": name,
        "category": category,
        "countries": sorted(set(countries)),
        "currency": currency,
        "denominations": denominations,
        "description": f"{description} {describe_denoms(denominations, currency)}",
        "redemption_instructions": instructions,
        "terms": f"{terms} {expiry_sentence(validity_days)}",
        "image_url": f"/static/img/{category}.svg",
        "validity_days": validity_days,
    }


def market(code: str, currency: str = "USD") -> tuple[list[str], str, str, str]:
    """countries, currency, "where" phrase and name label for a country code, "EU" or "GLOBAL"."""
    if code == "EU":
        return EUROZONE, "EUR", "eurozone countries", "Eurozone"
    if code == "GLOBAL":
        return GLOBAL, currency, "most countries", "Global"
    return [code], COUNTRIES[code][0], country_name(code), bare_country_name(code)


# --- mobile top-ups -------------------------------------------------------------------------------


def mobile_topups(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for cc, (currency, operators) in COUNTRIES.items():
        for op in operators:
            fictional = op == "*"
            brand = f"{bare_country_name(cc)} Mobile" if fictional else op
            name = f"{brand} Top-Up" if fictional else f"{brand} Mobile Top-Up"
            # Operators sell airtime from a few dollars up to 50-200 USD, in whole local units.
            denoms = usd_range(rng.choice((1, 2, 5)), rng.choice((50, 100, 200)), currency)
            pid = f"{slug(brand)}_{cc.lower()}"
            name = f"{name} ({bare_country_name(cc)})"
            out.append(
                product(pid, name, "mobile_topup", [cc], currency, denoms, None, "mobile_topup",
                        brand=brand, where=country_name(cc))
            )  # fmt: skip
    return out


# --- gift cards -----------------------------------------------------------------------------------
# key | brand | card noun | validity days ("-" = none) | ladder tier | markets.
# "EU" is one euro product valid across the eurozone, "GLOBAL" one USD product valid everywhere.
GIFT_CARDS = """
amazon | Amazon | Gift Card | 365 | all | US CA GB DE FR IT ES NL SE PL JP AU IN MX BR AE SA SG TR
apple | Apple | Gift Card | - | low | US CA GB DE FR IT ES JP KR AU SG MX BR AE
google_play | Google Play | Gift Code | - | low | US CA GB DE FR IT JP KR AU IN BR MX ID TR
netflix | Netflix | Gift Card | - | low | US CA GB DE FR IT ES JP BR MX AU IN
spotify | Spotify | Gift Card | - | low | US GB DE FR ES IT NL SE BR MX AU
starbucks | Starbucks | Card eGift | - | low | US CA GB JP KR CN MX TH
uber | Uber | Gift Card | - | low | US CA GB FR DE NL BR MX AU IN
airbnb | Airbnb | Gift Card | - | high | US CA GB AU DE FR ES IT
ikea | IKEA | Gift Card | 1095 | high | US CA GB DE FR SE NL PL AU CH
zalando | Zalando | Gift Card | 1095 | low | DE AT CH FR IT NL PL SE
steam | Steam | Wallet Code | - | low | US GB JP BR CA AU PL EU
xbox | Xbox | Gift Card | - | low | US CA GB DE FR JP AU BR MX
playstation | PlayStation | Store Gift Card | - | low | US CA GB DE FR JP AU
nintendo_eshop | Nintendo eShop | Card | - | low | US CA GB JP AU EU
sephora | Sephora | Gift Card | - | high | US CA FR AU SG AE
target | Target | GiftCard | - | all | US
walmart | Walmart | Gift Card | - | all | US CA MX
best_buy | Best Buy | Gift Card | - | high | US CA
home_depot | The Home Depot | Gift Card | - | high | US CA
tesco | Tesco | Gift Card | 730 | all | GB IE
marks_spencer | Marks & Spencer | Gift Card | 730 | all | GB
carrefour | Carrefour | Gift Card | 365 | all | FR ES IT AE SA KW BH QA OM JO EG BR
decathlon | Decathlon | Gift Card | 365 | low | FR ES IT DE GB IN
hm | H&M | Gift Card | 1095 | low | US GB DE SE
flipkart | Flipkart | Gift Card | 365 | all | IN
noon | noon | Gift Card | 365 | mid | AE SA EG
lulu | LuLu Hypermarket | Gift Card | 365 | mid | AE SA KW BH OM QA
mercado_libre | Mercado Libre | Gift Card | 365 | low | AR BR MX CL CO UY
takealot | Takealot | Gift Voucher | 1095 | all | ZA
jumia | Jumia | Gift Card | 365 | low | NG KE EG MA
grab | Grab | Gift Card | 365 | low | SG MY PH TH ID VN
razer_gold | Razer Gold | PIN | - | low | GLOBAL
"""
# Amazon names its cards after the storefront domain ("Amazon.co.uk Gift Card").
AMAZON_DOMAINS = {
    "US": "Amazon.com", "CA": "Amazon.ca", "GB": "Amazon.co.uk", "DE": "Amazon.de", "FR": "Amazon.fr",
    "IT": "Amazon.it", "ES": "Amazon.es", "NL": "Amazon.nl", "SE": "Amazon.se", "PL": "Amazon.pl",
    "JP": "Amazon.co.jp", "AU": "Amazon.com.au", "IN": "Amazon.in", "MX": "Amazon.com.mx",
    "BR": "Amazon.com.br", "AE": "Amazon.ae", "SA": "Amazon.sa", "SG": "Amazon.sg", "TR": "Amazon.com.tr",
}  # fmt: skip
# Open-loop prepaid cards: range denominations, spendable wherever the card network is accepted.
PREPAID_CARDS = """
visa_prepaid_us | Visa | Visa Prepaid Card | US | 5 500
mastercard_prepaid_us | Mastercard | Prepaid Mastercard | US | 10 500
visa_prepaid_ca | Visa | Visa Prepaid Card | CA | 10 500
mastercard_prepaid_gb | Mastercard | Prepaid Mastercard | GB | 10 250
"""


def gift_cards() -> list[dict[str, Any]]:
    out = []
    for line in GIFT_CARDS.strip().splitlines():
        key, brand, noun, validity_raw, tier, markets = (part.strip() for part in line.split("|"))
        validity = None if validity_raw == "-" else int(validity_raw)
        for code in markets.split():
            countries, currency, where, label = market(code)
            name = f"{AMAZON_DOMAINS[code]} Gift Card" if key == "amazon" else f"{brand} {noun} ({label})"
            # Amazon.co.jp sells 1,000 / 3,000 / 5,000 / 10,000 yen cards, not the generic yen ladder.
            fixed = [1000, 3000, 5000, 10000] if (key, code) == ("amazon", "JP") else ladder(currency, tier)
            out.append(
                product(f"{key}_{code.lower()}", name, "gift_card", countries, currency, {"fixed": fixed},
                        validity, "gift_card", brand=brand, where=where)
            )  # fmt: skip
    for line in PREPAID_CARDS.strip().splitlines():
        pid, brand, noun, code, bounds = (part.strip() for part in line.split("|"))
        countries, currency, where, label = market(code)
        lo, hi = (to_minor(Decimal(v), currency) for v in bounds.split())
        # Step of one minor unit: any cent amount in the range, as card issuers allow.
        denoms = {"min": lo, "max": hi, "step": 1}
        out.append(
            product(pid, f"{noun} ({label})", "gift_card", countries, currency, denoms, 365, "prepaid_card",
                    brand=brand, where=where)
        )  # fmt: skip
    return out


# --- lounges --------------------------------------------------------------------------------------
# IATA code and airport | country | lounge operator.
AIRPORTS = """
LHR London Heathrow | GB | Plaza Premium
LGW London Gatwick | GB | No1 Lounge
MAN Manchester | GB | Escape Lounge
EDI Edinburgh | GB | Aspire Lounge
CDG Paris Charles de Gaulle | FR | Star Alliance Lounge
FRA Frankfurt | DE | Primeclass
MUC Munich | DE | Primeclass
AMS Amsterdam Schiphol | NL | Aspire Lounge
MAD Madrid Barajas | ES | Sala VIP Puerta del Sol
BCN Barcelona El Prat | ES | Sala VIP Pau Casals
FCO Rome Fiumicino | IT | Plaza Premium
LIS Lisbon | PT | ANA Lounge
DUB Dublin | IE | 51st & Green
VIE Vienna | AT | Sky Lounge
ZRH Zurich | CH | Aspire Lounge
HEL Helsinki | FI | Plaza Premium
ATH Athens | GR | Goldair Lounge
IST Istanbul | TR | IGA Lounge
CPH Copenhagen | DK | Aspire Lounge
ARN Stockholm Arlanda | SE | Menzies Lounge
DXB Dubai | AE | Marhaba
AUH Abu Dhabi | AE | Plaza Premium
DOH Doha Hamad | QA | Oryx Lounge
BAH Bahrain | BH | Plaza Premium
SIN Singapore Changi | SG | Plaza Premium
HKG Hong Kong | HK | Plaza Premium
NRT Tokyo Narita | JP | IASS Lounge
ICN Seoul Incheon | KR | Matina Lounge
BKK Bangkok Suvarnabhumi | TH | Miracle Lounge
KUL Kuala Lumpur | MY | Plaza Premium
DEL Delhi | IN | Encalm Lounge
BOM Mumbai | IN | Adani Lounge
SYD Sydney | AU | Escape Lounge
MEL Melbourne | AU | Plaza Premium
AKL Auckland | NZ | Strata Lounge
JFK New York JFK | US | Primeclass
LAX Los Angeles | US | Escape Lounge
SFO San Francisco | US | Escape Lounge
MIA Miami | US | Turkish Airlines Lounge
YYZ Toronto Pearson | CA | Plaza Premium
YVR Vancouver | CA | Plaza Premium
GRU Sao Paulo Guarulhos | BR | Sala VIP
MEX Mexico City | MX | Grand Lounge Elite
BOG Bogota El Dorado | CO | Plaza Premium
LIM Lima | PE | Sumaq Lounge
JNB Johannesburg | ZA | Bidvest Premier Lounge
CPT Cape Town | ZA | Bidvest Premier Lounge
NBO Nairobi | KE | Simba Lounge
CAI Cairo | EG | Pearl Lounge
CMN Casablanca | MA | Primeclass
"""
# Walk-up passes are priced in a few hard currencies: GBP in the UK, EUR in the eurozone, CHF at Zurich,
# USD elsewhere, which is also what the access networks charge.
LOUNGE_PRICES = {
    "USD": (3500, 4000, 4500, 5000, 5500),
    "EUR": (3500, 3900, 4500, 4900),
    "GBP": (3000, 3500, 4000, 4500),
    "CHF": (4500, 5000),
}
# id | brand | name | market | currency | price of one visit in minor units (one or two visits are sold).
LOUNGE_NETWORKS = """
loungekey_single_pass_global | LoungeKey | LoungeKey Single Pass | GLOBAL | USD | 3200
priority_pass_visit_global | Priority Pass | Priority Pass Visit | GLOBAL | USD | 3500
dragonpass_visit_global | DragonPass | DragonPass Lounge Visit | GLOBAL | USD | 3000
priority_pass_visit_eu | Priority Pass | Priority Pass Visit (Europe) | EU | EUR | 3200
loungekey_single_pass_gb | LoungeKey | LoungeKey Single Pass (UK airports) | GB | GBP | 2800
"""


def lounges(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for line in AIRPORTS.strip().splitlines():
        head, cc, operator = (part.strip() for part in line.split("|"))
        iata, airport = head.split(" ", 1)
        currency = COUNTRIES[cc][0] if COUNTRIES[cc][0] in LOUNGE_PRICES else "USD"
        one = rng.choice(LOUNGE_PRICES[currency])
        # Operators named after a person or place ("Marhaba") still read as a lounge in the product name.
        lounge = operator if any(w in operator for w in ("Lounge", "Sala")) else f"{operator} Lounge"
        pid = f"{slug(operator)}_{iata.lower()}_{cc.lower()}"
        out.append(
            product(pid, f"{lounge}, {airport} ({iata})", "lounge", [cc], currency, {"fixed": [one, one * 2]},
                    365, "lounge", brand=operator, lounge=lounge, airport=airport, iata=iata)
        )  # fmt: skip
    for line in LOUNGE_NETWORKS.strip().splitlines():
        pid, brand, name, code, currency, one_raw = (part.strip() for part in line.split("|"))
        countries, _, where, _ = market(code, currency)
        one = int(one_raw)
        out.append(
            product(pid, name, "lounge", countries, currency, {"fixed": [one, one * 2]}, 365,
                    "lounge_network", brand=brand, where=where)
        )  # fmt: skip
    return out


# --- charity --------------------------------------------------------------------------------------
# id | brand | market (country, or GLOBAL/EU with a currency) | mission.
CHARITIES = """
unicef_global | UNICEF | GLOBAL USD | protects children's rights with vaccines, nutrition and schooling
unicef_us | UNICEF USA | US | supports UNICEF's work for children worldwide
unicef_gb | UNICEF UK | GB | supports UNICEF's work for children worldwide
unicef_de | UNICEF Deutschland | DE | supports UNICEF's work for children worldwide
unicef_fr | UNICEF France | FR | supports UNICEF's work for children worldwide
unicef_jp | Japan Committee for UNICEF | JP | supports UNICEF's work for children worldwide
unicef_au | UNICEF Australia | AU | supports UNICEF's work for children worldwide
unicef_ca | UNICEF Canada | CA | supports UNICEF's work for children worldwide
wwf_global | WWF | GLOBAL USD | conserves nature and reduces the biggest threats to wildlife
wwf_us | World Wildlife Fund | US | conserves nature and protects endangered species
wwf_gb | WWF-UK | GB | conserves nature and protects endangered species
wwf_de | WWF Deutschland | DE | conserves nature and protects endangered species
wwf_au | WWF-Australia | AU | conserves nature and protects endangered species
wwf_in | WWF-India | IN | conserves nature and protects endangered species
wwf_ch | WWF Switzerland | CH | conserves nature and protects endangered species
ifrc_global | IFRC | GLOBAL USD | coordinates Red Cross and Red Crescent disaster relief worldwide
american_red_cross_us | American Red Cross | US | provides disaster relief and collects blood donations
british_red_cross_gb | British Red Cross | GB | helps people in crisis in the UK and abroad
german_red_cross_de | Deutsches Rotes Kreuz | DE | provides disaster relief and emergency care
french_red_cross_fr | Croix-Rouge française | FR | provides emergency relief and social care
spanish_red_cross_es | Cruz Roja Española | ES | provides emergency relief and social care
italian_red_cross_it | Croce Rossa Italiana | IT | provides emergency relief and social care
canadian_red_cross_ca | Canadian Red Cross | CA | provides disaster relief and emergency care
australian_red_cross_au | Australian Red Cross | AU | provides disaster relief and emergency care
japanese_red_cross_jp | Japanese Red Cross Society | JP | provides disaster relief and emergency care
kenya_red_cross_ke | Kenya Red Cross | KE | provides disaster relief and emergency care
philippine_red_cross_ph | Philippine Red Cross | PH | provides disaster relief and emergency care
emirates_red_crescent_ae | Emirates Red Crescent | AE | provides humanitarian relief at home and abroad
kuwait_red_crescent_kw | Kuwait Red Crescent Society | KW | provides humanitarian relief at home and abroad
turkish_red_crescent_tr | Türk Kızılay | TR | provides disaster relief and humanitarian aid
msf_global | Doctors Without Borders | GLOBAL USD | provides emergency medical care in crises
doctors_without_borders_us | Doctors Without Borders | US | provides emergency medical care in crises
doctors_without_borders_ca | Doctors Without Borders | CA | provides emergency medical care in crises
msf_gb | MSF UK | GB | provides emergency medical care in crises
msf_fr | Médecins Sans Frontières | FR | provides emergency medical care in crises
msf_de | Ärzte ohne Grenzen | DE | provides emergency medical care in crises
save_the_children_us | Save the Children | US | gives children a healthy start and the chance to learn
save_the_children_gb | Save the Children UK | GB | gives children a healthy start and the chance to learn
oxfam_gb | Oxfam GB | GB | fights poverty and inequality
oxfam_au | Oxfam Australia | AU | fights poverty and inequality
unhcr_global | UNHCR | GLOBAL USD | protects refugees and people forced to flee
wfp_global | World Food Programme | GLOBAL USD | delivers food assistance in emergencies
greenpeace_eu | Greenpeace | EU EUR | campaigns to protect oceans, forests and the climate
amnesty_global | Amnesty International | GLOBAL USD | defends human rights worldwide
kiva_global | Kiva | GLOBAL USD | crowdfunds small loans for entrepreneurs
charity_water_us | charity: water | US | brings clean drinking water to communities
feeding_america_us | Feeding America | US | supplies food banks across the United States
habitat_for_humanity_us | Habitat for Humanity | US | builds affordable homes with families
cancer_research_uk_gb | Cancer Research UK | GB | funds research to beat cancer
rnli_gb | RNLI | GB | runs the lifeboats that save lives at sea
restos_du_coeur_fr | Les Restos du Cœur | FR | serves free meals to people in need
akshaya_patra_in | The Akshaya Patra Foundation | IN | serves school meals to children
gift_of_the_givers_za | Gift of the Givers | ZA | provides disaster relief across Southern Africa
world_vision_au | World Vision Australia | AU | supports children and communities out of poverty
"""


def charities() -> list[dict[str, Any]]:
    out = []
    for line in CHARITIES.strip().splitlines():
        pid, brand, code, mission = (part.strip() for part in line.split("|"))
        countries, currency, where, _ = market(*code.split())
        # Donors pick their own amount: whole local units from about 1 USD up to about 1,000 USD.
        denoms = usd_range(1, 1000, currency)
        out.append(
            product(pid, f"Donation to {brand}", "charity", countries, currency, denoms, None, "charity",
                    brand=brand, mission=mission)
        )  # fmt: skip
    return out


# --- merchandise ----------------------------------------------------------------------------------
# key | brand | item | USD list price | markets ("EU" = one euro product shipping across the eurozone).
MERCHANDISE = """
sony_wh1000xm5 | Sony | WH-1000XM5 Wireless Noise Cancelling Headphones | 399 | US GB EU JP
airpods_pro | Apple | AirPods Pro (2nd generation) | 249 | US GB EU CA AU
bose_qc_earbuds | Bose | QuietComfort Earbuds | 199 | US GB EU
jbl_flip6 | JBL | Flip 6 Bluetooth Speaker | 129 | US GB EU AU
yeti_rambler_mug | YETI | Rambler 14 oz Mug | 30 | US CA AU
stanley_quencher | Stanley | Quencher H2.0 Tumbler 40 oz | 45 | US GB CA
hydro_flask_bottle | Hydro Flask | 32 oz Wide Mouth Bottle | 45 | US EU
herschel_backpack | Herschel | Little America Backpack | 120 | US GB CA
osprey_daylite | Osprey | Daylite Plus Backpack | 75 | US GB EU
patagonia_fleece | Patagonia | Better Sweater Fleece Jacket | 149 | US GB EU
champion_hoodie | Champion | Reverse Weave Hoodie | 65 | US GB
nike_club_hoodie | Nike | Sportswear Club Fleece Hoodie | 60 | US GB EU JP
moleskine_notebook | Moleskine | Classic Notebook, Large | 25 | US GB EU
kindle_paperwhite | Amazon | Kindle Paperwhite (16 GB) | 159 | US GB EU JP
fitbit_charge6 | Fitbit | Charge 6 Fitness Tracker | 159 | US GB EU
garmin_forerunner165 | Garmin | Forerunner 165 GPS Watch | 249 | US GB EU AU
logitech_mx_master | Logitech | MX Master 3S Mouse | 99 | US GB EU
anker_power_bank | Anker | PowerCore 10000 Power Bank | 29 | US GB EU JP
rewardkit_hoodie | RewardKit | Logo Hoodie | 55 | GLOBAL
rewardkit_mug | RewardKit | Ceramic Mug | 18 | GLOBAL
rewardkit_backpack | RewardKit | Everyday Backpack | 69 | GLOBAL
"""


def merchandise() -> list[dict[str, Any]]:
    out = []
    for line in MERCHANDISE.strip().splitlines():
        key, brand, item, usd, markets = (part.strip() for part in line.split("|"))
        for code in markets.split():
            countries, currency, where, label = market(code)
            label = "Worldwide" if code == "GLOBAL" else label
            denoms = {"fixed": [price(Decimal(usd), currency)]}
            out.append(
                product(f"{key}_{code.lower()}", f"{brand} {item} ({label})", "merchandise", countries,
                        currency, denoms, 180, "merchandise", brand=brand, item=item, where=where)
            )  # fmt: skip
    return out


# --- perks ----------------------------------------------------------------------------------------
# key | brand | name | USD price, "range LO-HI" (USD) or "ladder TIER" | validity days | markets | blurb.
PERKS = """
disney_plus_1_month | Disney+ | Disney+ 1 Month | 13.99 | 90 | US GB DE CA AU | One month of streaming
youtube_premium_1_month | YouTube | YouTube Premium 1 Month | 13.99 | 90 | US GB IN BR | Ad-free YouTube
spotify_premium_3_months | Spotify | Spotify Premium 3 Months | 35.99 | 365 | US GB DE BR | Ad-free music
apple_tv_3_months | Apple | Apple TV+ 3 Months | 29.99 | 365 | US GB | Three months of Apple TV+
audible_3_months | Audible | Audible Premium Plus 3 Months | 44.99 | 365 | US GB DE | One audiobook a month
kindle_unlimited_3_months | Amazon | Kindle Unlimited 3 Months | 35.99 | 365 | US GB DE | Unlimited e-books
headspace_1_year | Headspace | Headspace 1 Year | 69.99 | 365 | US GB | Guided meditation and sleep
calm_1_year | Calm | Calm Premium 1 Year | 69.99 | 365 | US | Meditation, sleep stories and music
duolingo_super_1_year | Duolingo | Duolingo Super 1 Year | 83.99 | 365 | US GB DE | Ad-free language lessons
coursera_plus_1_year | Coursera | Coursera Plus 1 Year | 399 | 365 | GLOBAL | Unlimited online courses
linkedin_premium_1_month | LinkedIn | LinkedIn Premium 1 Month | 39.99 | 90 | GLOBAL | InMail and insights
masterclass_1_year | MasterClass | MasterClass 1 Year | 120 | 365 | US GB | Classes taught by experts
starbucks_latte | Starbucks | Starbucks Grande Latte | 5.75 | 90 | US CA | One handcrafted grande latte
costa_flat_white | Costa Coffee | Costa Coffee Flat White | 4.50 | 90 | GB | One flat white
tim_hortons_coffee | Tim Hortons | Tim Hortons Coffee & Donut | 5 | 90 | CA | A medium coffee and a donut
pret_club_1_month | Pret A Manger | Club Pret 1 Month | 38 | 90 | GB US | Up to five barista drinks a day
uber_ride_credit | Uber | Uber Ride Credit | range 5-100 | 365 | US GB FR BR MX IN | Credit for rides
lyft_ride_credit | Lyft | Lyft Ride Credit | range 5-100 | 365 | US CA | Credit for rides
bolt_ride_credit | Bolt | Bolt Ride Credit | range 5-100 | 365 | EE PL ZA NG KE | Credit for rides
careem_ride_credit | Careem | Careem Ride Credit | range 5-100 | 365 | AE SA PK JO | Credit for rides
cabify_ride_credit | Cabify | Cabify Ride Credit | range 5-100 | 365 | ES CO PE CL | Credit for rides
uber_eats_meal_credit | Uber Eats | Uber Eats Meal Credit | ladder low | 365 | US GB FR AU | Food delivery
doordash_meal_credit | DoorDash | DoorDash Meal Credit | ladder low | 365 | US | Food delivery
deliveroo_meal_voucher | Deliveroo | Deliveroo Voucher | ladder low | 365 | GB FR IE IT AE KW SG HK | Meals
lieferando_meal_voucher | Lieferando | Lieferando Voucher | ladder low | 365 | DE AT | Food delivery
swiggy_meal_voucher | Swiggy | Swiggy Meal Voucher | ladder low | 365 | IN | Food delivery
zomato_meal_voucher | Zomato | Zomato Meal Voucher | ladder low | 365 | IN | Food delivery
talabat_meal_voucher | talabat | talabat Meal Voucher | ladder low | 365 | KW AE BH OM QA | Meal delivery
rappi_credit | Rappi | Rappi Credit | ladder low | 365 | CO MX PE AR | Delivery credit
ifood_credit | iFood | iFood Credit | ladder low | 365 | BR | Food delivery
pluxee_meal_voucher | Pluxee | Pluxee Meal Voucher | ladder low | 365 | FR BE | Meal vouchers for restaurants
ticket_restaurant | Edenred | Ticket Restaurant Meal Voucher | ladder low | 365 | FR ES IT PT | Meal vouchers
classpass_credits | ClassPass | ClassPass Credits | ladder low | 365 | US GB SG | Fitness class credits
hellofresh_box | HelloFresh | HelloFresh Meal Kit Box | 69.99 | 180 | US GB DE AU | A week of recipes
amc_movie_ticket | AMC Theatres | AMC Movie Ticket | 15 | 365 | US | One standard 2D movie ticket
cineworld_movie_ticket | Cineworld | Cineworld Movie Ticket | 14 | 365 | GB | One standard 2D movie ticket
pathe_movie_ticket | Pathé | Pathé Movie Ticket | 15 | 365 | FR NL CH | One standard movie ticket
"""


def perks() -> list[dict[str, Any]]:
    out = []
    for line in PERKS.strip().splitlines():
        key, brand, name, spec, validity, markets, blurb = (part.strip() for part in line.split("|"))
        for code in markets.split():
            countries, currency, where, label = market(code)
            denoms: dict[str, Any]
            if spec.startswith("range"):
                lo, hi = spec.split()[1].split("-")
                denoms = usd_range(int(lo), int(hi), currency)
            elif spec.startswith("ladder"):
                denoms = {"fixed": ladder(currency, spec.split()[1])}
            else:
                denoms = {"fixed": [price(Decimal(spec), currency)]}
            out.append(
                product(f"{key}_{code.lower()}", f"{name} ({label})", "perk", countries, currency, denoms,
                        int(validity), "perk", brand=brand, where=where, blurb=blurb)
            )  # fmt: skip
    return out


# --- output ---------------------------------------------------------------------------------------


def rate_string(code: str) -> str:
    if code == "USD":
        return "1"
    rate = RATES[code]
    # 4 decimals for "small" rates (0.7600 GBP), 2 for the rest (151.20 JPY): matches how rates are quoted.
    return str(rate.quantize(Decimal("0.0001") if rate < 10 else Decimal("0.01")))


def build() -> tuple[dict[str, Any], dict[str, Any]]:
    rng = random.Random(SEED)
    products = mobile_topups(rng) + gift_cards() + lounges(rng) + charities() + merchandise() + perks()
    products.sort(key=lambda p: p["id"])
    rates = {code: rate_string(code) for code in sorted({p["currency"] for p in products})}
    catalog = {"version": 1, "products": products}
    fx = {"version": 1, "base": "USD", "as_of": AS_OF, "rates": rates}
    return catalog, fx


def dump(data: dict[str, Any]) -> str:
    # Sorted keys and a trailing newline keep the files byte-stable and diff-friendly.
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def validate(catalog: dict[str, Any], fx: dict[str, Any]) -> None:
    """Assert every rule the API relies on; runs against what was actually written to disk."""
    products = catalog["products"]
    assert catalog["version"] == 1 and fx["version"] == 1 and fx["base"] == "USD"
    assert 500 <= len(products) <= 800, len(products)
    ids = [p["id"] for p in products]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert ids == sorted(ids), "products must be sorted by id"
    countries: set[str] = set()
    currencies: set[str] = set()
    for p in products:
        pid = p["id"]
        assert re.fullmatch(r"[a-z0-9][a-z0-9_]{1,79}", pid), pid
        assert p["category"] in CATEGORIES, pid
        assert p["image_url"] == f"/static/img/{p['category']}.svg", pid
        assert p["brand"] and p["name"] and len(p["name"]) <= 200 and len(p["brand"]) <= 120, pid
        assert p["description"] and p["redemption_instructions"] and p["terms"], pid
        assert "{" not in p["description"] + p["redemption_instructions"] + p["terms"], pid
        assert p["countries"] and p["countries"] == sorted(set(p["countries"])), pid
        for c in p["countries"]:
            assert pycountry.countries.get(alpha_2=c) is not None, (pid, c)
        assert pycountry.currencies.get(alpha_3=p["currency"]) is not None, (pid, p["currency"])
        assert p["currency"] in fx["rates"], (pid, p["currency"])
        v = p["validity_days"]
        assert v is None or (type(v) is int and 0 < v <= 36500), pid
        d = p["denominations"]
        if "fixed" in d:
            assert set(d) == {"fixed"}, pid
            f = d["fixed"]
            assert f and all(type(x) is int and x > 0 for x in f), pid
            assert f == sorted(set(f)), pid
        else:
            assert set(d) == {"min", "max", "step"}, pid
            lo, hi, step = d["min"], d["max"], d["step"]
            assert all(type(x) is int and x > 0 for x in (lo, hi, step)), pid
            assert lo <= hi and (hi - lo) % step == 0 and lo % step == 0, pid
        countries.update(p["countries"])
        currencies.add(p["currency"])
    for code, rate in fx["rates"].items():
        assert isinstance(rate, str) and Decimal(rate).is_finite() and Decimal(rate) > 0, code
        assert pycountry.currencies.get(alpha_3=code) is not None, code
    by_id = {p["id"]: p for p in products}
    amazon = by_id["amazon_us"]
    expected = ("Amazon", "gift_card", ["US"], "USD")
    assert (amazon["brand"], amazon["category"], amazon["countries"], amazon["currency"]) == expected
    assert 5000 in amazon["denominations"]["fixed"]
    assert by_id["amazon_de"]["currency"] == "EUR" and by_id["amazon_gb"]["currency"] == "GBP"
    assert by_id["amazon_jp"]["currency"] == "JPY" and 5000 in by_id["amazon_jp"]["denominations"]["fixed"]
    assert any(p["currency"] in {"BHD", "KWD"} for p in products) and EXPONENTS["KWD"] == 3
    assert by_id["visa_prepaid_us"]["denominations"] == {"min": 500, "max": 50000, "step": 1}
    per_category = Counter(p["category"] for p in products)
    assert set(per_category) == set(CATEGORIES) and min(per_category.values()) >= 20, per_category
    assert len(countries) >= 150, len(countries)
    assert len(currencies) >= 30, len(currencies)
    print(f"products={len(products)} countries={len(countries)} currencies={len(currencies)}")
    print("per category: " + ", ".join(f"{k}={per_category[k]}" for k in CATEGORIES))


def main() -> None:
    catalog, fx = build()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    CATALOG_PATH.write_text(dump(catalog), encoding="utf-8")
    FX_PATH.write_text(dump(fx), encoding="utf-8")
    written_catalog = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    validate(written_catalog, json.loads(FX_PATH.read_text(encoding="utf-8")))
    print(f"wrote {CATALOG_PATH.relative_to(ROOT)} and {FX_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
