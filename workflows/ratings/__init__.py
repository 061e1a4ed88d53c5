"""Service confirmation and rating of filed reports by owner contacts (SPEC §9, Shanghai system)."""
