from wallet.tests.paystack_stub import paystack  # noqa: F401 - the local Paystack stub, for every wallet test
