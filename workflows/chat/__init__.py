"""Chat identity: bindings of chat accounts to people, one-time binding codes, update dedupe, dialogs."""
