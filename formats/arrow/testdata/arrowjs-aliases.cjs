// Writes arrowjs-aliases.arrow and .arrows with Apache Arrow JS: the
// attribute names and types other tools use (camelCase aliases,
// dictionary-encoded strings, 32-bit integers, millisecond timestamps,
// dates, floats, nested lists and structs) and unknown columns.
const arrow = require(require.resolve('apache-arrow', { paths: [process.env.NODE_PACKAGE_DIR] }));
const fs = require('fs');
const base = process.argv[2];
const str = new arrow.Utf8();
const identity = new arrow.Struct([
  new arrow.Field('connection', str, true),
  new arrow.Field('provider', str, true),
  new arrow.Field('user_id', str, true),
  new arrow.Field('isSocial', new arrow.Bool(), true),
]);
const t = new arrow.Table({
  id: arrow.vectorFromArray(['auth0|2001', 'auth0|2002', 'auth0|2003'], str),
  Email: arrow.vectorFromArray(['Ada.Lovelace@Example.com', 'grace@example.com', null], str),
  emailVerified: arrow.vectorFromArray([true, null, false], new arrow.Bool()),
  firstName: arrow.vectorFromArray(['Ada', 'Grace', 'Ada'], new arrow.Dictionary(str, new arrow.Int32())),
  lastName: arrow.vectorFromArray(['Lovelace', null, 'Hopper'], str),
  createdAt: arrow.vectorFromArray([Date.UTC(2021, 2, 4, 5, 6, 7, 123), null, Date.UTC(1999, 11, 31, 23, 59, 59)], new arrow.TimestampMillisecond('UTC')),
  loginsCount: arrow.vectorFromArray([12, null, 0], new arrow.Int32()),
  identities: arrow.vectorFromArray([
    [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: '2001', isSocial: false }],
    [],
    null,
  ], new arrow.List(new arrow.Field('item', identity, true))),
  user_metadata: arrow.vectorFromArray(['{"plan":"pro","seats":3}', null, '[1,2]'], str),
  score: arrow.vectorFromArray([12.5, null, -0.25], new arrow.Float64()),
  birthday: arrow.vectorFromArray([Date.UTC(1815, 11, 10), null, null], new arrow.DateDay()),
  tags: arrow.vectorFromArray([['x', 'y'], [], null], new arrow.List(new arrow.Field('item', str, true))),
  address: arrow.vectorFromArray([{ city: 'London', zip: null }, null, { city: 'New York', zip: '10001' }],
    new arrow.Struct([new arrow.Field('city', str, true), new arrow.Field('zip', str, true)])),
});
fs.writeFileSync(base + '.arrow', arrow.tableToIPC(t, 'file'));
fs.writeFileSync(base + '.arrows', arrow.tableToIPC(t, 'stream'));
