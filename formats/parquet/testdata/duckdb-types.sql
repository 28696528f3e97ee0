COPY (
  SELECT * FROM (VALUES
    ('u1', 1.5::FLOAT, 2.25::DOUBLE, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID, TIME '12:34:56.789', TIMESTAMP '2020-01-02 03:04:05',
     170141183460469231731687303715884105727::HUGEINT, 200::UTINYINT, '\xFF\x00'::BLOB,
     {'a': 1, 'b': [1, 2], 'c': {'d': NULL}}, [[1, 2], [], NULL, [3]], MAP {1: 'one', 2: 'two'}, [{'x': 1, 'y': NULL}, NULL],
     TIMESTAMP_MS '2020-01-02 03:04:05.678', TIMESTAMP_NS '2020-01-02 03:04:05.123456789'),
    ('u2', NULL, 'NaN'::DOUBLE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
  ) AS t(id, f32, f64, uuid, t, ts, big, small, bin, obj, nested, m, structs, created_at, updated_at)
) TO $OUT (FORMAT parquet)
