COPY (
  SELECT * FROM (VALUES
    ('auth0|1001', 'Ada.Lovelace@Example.com', true, 'Ada', 'Lovelace', TIMESTAMPTZ '2021-03-04 05:06:07.123456+00', 12::BIGINT,
     [{'connection': 'Username-Password-Authentication', 'provider': 'auth0', 'user_id': '1001', 'isSocial': false}],
     '{"plan":"pro","seats":3}'::JSON, 'Engineering', MAP {'a': 1, 'b': 2}, 12.50::DECIMAL(10,2), DATE '1815-12-10', ['x', 'y'], 1614834367123::BIGINT),
    ('auth0|1002', 'grace@example.com', NULL, 'Grace', NULL, NULL, NULL, [], NULL, NULL, NULL, NULL, NULL, [], NULL),
    ('auth0|1003', NULL, false, NULL, 'Hopper', TIMESTAMPTZ '1999-12-31 23:59:59+00', 0::BIGINT, NULL, '[1,2]'::JSON, NULL, MAP {}, -0.05::DECIMAL(10,2), NULL, NULL, 1::BIGINT)
  ) AS t(user_id, "Email", "emailVerified", "firstName", "lastName", "createdAt", "loginsCount", identities, user_metadata,
         department, scores, balance, birthday, tags, "lastLogin")
) TO $OUT (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 2)
