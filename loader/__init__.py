"""Light-curve files in: ``parse`` (pure: path -> arrays and rejections) and ``load`` (the single writer)."""
