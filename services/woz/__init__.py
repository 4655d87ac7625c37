"""The WOZ registry: WOZ-objecten, their values, belanghebbenden and bezwaren."""
