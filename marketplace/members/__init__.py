"""The UMKM members, their shops and where they are (the kecamatan)."""
