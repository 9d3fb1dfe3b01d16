"""A small shop whose tests lie: the example testguard runs on."""
