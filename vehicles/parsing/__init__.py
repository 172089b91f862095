"""Pure parsers and calculators for Japanese vehicle data (no database access).

- chassis: 車台番号 normalisation (domestic 型式-serial or 17-character VIN)
- plate: 登録番号 (number plate) parsing and search keys
- era: Japanese-era and Western dates as they appear on certificates (table: dealers.parsing.era)
- shaken: statutory inspection periods, expiry arithmetic and the inspection window
- vehicle_file, vehicle_record: a dealer's vehicle file (車検証閲覧アプリ JSON, CSV) into records
- telemetry, telemetry_vocabulary: a DCM telemetry batch and the codes a car may report
- preferences: what an owner asks for when booking (a day, a part of day or a time)
"""
