"""The companion app: what imToken does on the phone."""
