from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Nobody signs up: dealer staff are invited by their company admin and owners' app
    accounts are provisioned with their customer record (README: "Accounts")."""

    def is_open_for_signup(self, request) -> bool:
        return False
