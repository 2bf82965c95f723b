"""The provider seam: ``base`` plus one folder per provider with the same parts in each."""
