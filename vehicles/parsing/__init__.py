"""Pure parsers and calculators for Japanese vehicle data (no database access).

- chassis: 車台番号 normalisation (domestic 型式-serial or 17-character VIN)
- plate: 登録番号 (number plate) parsing and search keys
- era: Japanese-era and Western dates as they appear on certificates
- shaken: statutory inspection periods, expiry arithmetic and the inspection window
"""
