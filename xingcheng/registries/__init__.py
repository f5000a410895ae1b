"""The five base registries (五大基础库): persons, legal entities, addresses and places, city components, housing."""
