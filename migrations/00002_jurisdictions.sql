-- +goose Up
-- The 50 states, DC and Puerto Rico.
--   fips:          2-digit state FIPS code (Census Bureau).
--   time_zone:     IANA zone covering the capital.
--   census_region: Census Bureau region; PR is outside the four regions and
--                  is recorded as 'Territory'; DC is in the South.
--   tile_row/col:  position on a square tile map, the NPR/WSJ-style 8-row by
--                  12-column US tile grid (row 0 is the top, col 0 the left).
--                  AK sits top-left and ME top-right, HI bottom-left and PR
--                  bottom-right; DC sits just below MD, beside VA. Every state
--                  gets one tile of equal size, so the map shows each
--                  jurisdiction equally regardless of its area.
INSERT INTO jurisdictions (code, fips, name, time_zone, census_region, tile_row, tile_col) VALUES
    ('AL', '01', 'Alabama',              'America/Chicago',              'South',     6, 7),
    ('AK', '02', 'Alaska',               'America/Anchorage',            'West',      0, 0),
    ('AZ', '04', 'Arizona',              'America/Phoenix',              'West',      5, 2),
    ('AR', '05', 'Arkansas',             'America/Chicago',              'South',     5, 5),
    ('CA', '06', 'California',           'America/Los_Angeles',          'West',      4, 1),
    ('CO', '08', 'Colorado',             'America/Denver',               'West',      4, 3),
    ('CT', '09', 'Connecticut',          'America/New_York',             'Northeast', 3, 10),
    ('DE', '10', 'Delaware',             'America/New_York',             'South',     4, 10),
    ('DC', '11', 'District of Columbia', 'America/New_York',             'South',     5, 9),
    ('FL', '12', 'Florida',              'America/New_York',             'South',     7, 9),
    ('GA', '13', 'Georgia',              'America/New_York',             'South',     6, 8),
    ('HI', '15', 'Hawaii',               'Pacific/Honolulu',             'West',      7, 0),
    ('ID', '16', 'Idaho',                'America/Boise',                'West',      2, 2),
    ('IL', '17', 'Illinois',             'America/Chicago',              'Midwest',   2, 6),
    ('IN', '18', 'Indiana',              'America/Indiana/Indianapolis', 'Midwest',   3, 6),
    ('IA', '19', 'Iowa',                 'America/Chicago',              'Midwest',   3, 5),
    ('KS', '20', 'Kansas',               'America/Chicago',              'Midwest',   5, 4),
    ('KY', '21', 'Kentucky',             'America/New_York',             'South',     4, 6),
    ('LA', '22', 'Louisiana',            'America/Chicago',              'South',     6, 5),
    ('ME', '23', 'Maine',                'America/New_York',             'Northeast', 0, 11),
    ('MD', '24', 'Maryland',             'America/New_York',             'South',     4, 9),
    ('MA', '25', 'Massachusetts',        'America/New_York',             'Northeast', 2, 10),
    ('MI', '26', 'Michigan',             'America/Detroit',              'Midwest',   2, 7),
    ('MN', '27', 'Minnesota',            'America/Chicago',              'Midwest',   2, 5),
    ('MS', '28', 'Mississippi',          'America/Chicago',              'South',     6, 6),
    ('MO', '29', 'Missouri',             'America/Chicago',              'Midwest',   4, 5),
    ('MT', '30', 'Montana',              'America/Denver',               'West',      2, 3),
    ('NE', '31', 'Nebraska',             'America/Chicago',              'Midwest',   4, 4),
    ('NV', '32', 'Nevada',               'America/Los_Angeles',          'West',      3, 2),
    ('NH', '33', 'New Hampshire',        'America/New_York',             'Northeast', 1, 11),
    ('NJ', '34', 'New Jersey',           'America/New_York',             'Northeast', 3, 9),
    ('NM', '35', 'New Mexico',           'America/Denver',               'West',      5, 3),
    ('NY', '36', 'New York',             'America/New_York',             'Northeast', 2, 9),
    ('NC', '37', 'North Carolina',       'America/New_York',             'South',     5, 7),
    ('ND', '38', 'North Dakota',         'America/Chicago',              'Midwest',   2, 4),
    ('OH', '39', 'Ohio',                 'America/New_York',             'Midwest',   3, 7),
    ('OK', '40', 'Oklahoma',             'America/Chicago',              'South',     6, 4),
    ('OR', '41', 'Oregon',               'America/Los_Angeles',          'West',      3, 1),
    ('PA', '42', 'Pennsylvania',         'America/New_York',             'Northeast', 3, 8),
    ('RI', '44', 'Rhode Island',         'America/New_York',             'Northeast', 3, 11),
    ('SC', '45', 'South Carolina',       'America/New_York',             'South',     5, 8),
    ('SD', '46', 'South Dakota',         'America/Chicago',              'Midwest',   3, 4),
    ('TN', '47', 'Tennessee',            'America/Chicago',              'South',     5, 6),
    ('TX', '48', 'Texas',                'America/Chicago',              'South',     7, 4),
    ('UT', '49', 'Utah',                 'America/Denver',               'West',      4, 2),
    ('VT', '50', 'Vermont',              'America/New_York',             'Northeast', 1, 10),
    ('VA', '51', 'Virginia',             'America/New_York',             'South',     4, 8),
    ('WA', '53', 'Washington',           'America/Los_Angeles',          'West',      2, 1),
    ('WV', '54', 'West Virginia',        'America/New_York',             'South',     4, 7),
    ('WI', '55', 'Wisconsin',            'America/Chicago',              'Midwest',   1, 6),
    ('WY', '56', 'Wyoming',              'America/Denver',               'West',      3, 3),
    ('PR', '72', 'Puerto Rico',          'America/Puerto_Rico',          'Territory', 7, 11);

-- +goose Down
DELETE FROM jurisdictions WHERE code IN (
    'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID',
    'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO',
    'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA',
    'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'PR'
);
