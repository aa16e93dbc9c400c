"""The SDK generator's parts (sdk/python/generate.py is the command)."""
