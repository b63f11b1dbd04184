"""The plant as configured: the plant file, shifts in site-local time, the cached structure and who
holds which role.
"""
