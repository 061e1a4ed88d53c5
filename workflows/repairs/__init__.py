"""One-tap repair requests (一键报修) of owner contacts (R-OWN)."""
