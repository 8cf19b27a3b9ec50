"""Every payments write. Modules: wallets (top-ups); more arrive with attempts and settlement."""

from payments.services.wallets import wallet_top_up

__all__ = ["wallet_top_up"]
