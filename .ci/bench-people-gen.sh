#!/bin/bash
# gen.sh N DIR IDX: AddressBook (+Images), CallHistory.storedata and
# call_history.db of N records each in DIR; IDX=1 adds the iOS indexes.
set -e
N=$1; D=$2; IDX=$3
mkdir -p $D; rm -f $D/*.sqlitedb $D/*.storedata $D/*.db
sqlite3 $D/AddressBook.sqlitedb <<SQL
PRAGMA journal_mode=DELETE;
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT);
CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT, Prefix TEXT, Suffix TEXT, CreationDate INTEGER, ModificationDate INTEGER, OrganizationPhonetic TEXT);
CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT);
CREATE TABLE ABMultiValueLabel (value TEXT);
CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT);
CREATE TABLE ABMultiValueEntryKey (value TEXT);
CREATE TABLE ABGroup (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT);
CREATE TABLE ABGroupMembers (UID INTEGER PRIMARY KEY, group_id INTEGER, member_type INTEGER, member_id INTEGER);
INSERT INTO ABMultiValueLabel VALUES ('_\$!<Mobile>!\$_'), ('_\$!<Home>!\$_');
INSERT INTO ABMultiValueEntryKey VALUES ('Street'), ('City');
WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i<10) INSERT INTO ABGroup(Name) SELECT 'Group '||i FROM g;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$N)
INSERT INTO ABPerson(ROWID, First, Last, Organization, CreationDate, ModificationDate, Birthday)
  SELECT i, 'First'||i, 'Last'||i, 'Org '||(i%100), 700000000+i, 700000000+i, '-1000000' FROM n;
INSERT INTO ABMultiValue SELECT 3*ROWID-2, ROWID, 3, 0, 1, '+1 919 555 '||printf('%04d', ROWID%10000) FROM ABPerson;
INSERT INTO ABMultiValue SELECT 3*ROWID-1, ROWID, 4, 0, 2, 'p'||ROWID||'@example.com' FROM ABPerson;
INSERT INTO ABMultiValue SELECT 3*ROWID, ROWID, 5, 0, 2, NULL FROM ABPerson;
INSERT INTO ABMultiValueEntry SELECT 3*ROWID, 1, ROWID||' Main St' FROM ABPerson;
INSERT INTO ABMultiValueEntry SELECT 3*ROWID, 2, 'Springfield' FROM ABPerson;
INSERT INTO ABGroupMembers(group_id, member_type, member_id) SELECT (ROWID%10)+1, 0, ROWID FROM ABPerson;
SQL
sqlite3 $D/AddressBookImages.sqlitedb <<SQL
CREATE TABLE ABThumbnailImage (record_id INTEGER, format INTEGER, derived_from_format INTEGER, data BLOB);
CREATE TABLE ABFullSizeImage (record_id INTEGER, crop_x INTEGER, crop_y INTEGER, crop_width INTEGER, data BLOB, crop_height INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$N)
INSERT INTO ABThumbnailImage SELECT i, 0, 0, randomblob(200) FROM n WHERE i%4 = 0;
SQL
sqlite3 $D/CallHistory.storedata <<SQL
CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZANSWERED INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZORIGINATED INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZISO_COUNTRY_CODE VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR, ZADDRESS BLOB);
CREATE TABLE ZHANDLE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTYPE INTEGER, ZNORMALIZEDVALUE VARCHAR, ZVALUE VARCHAR);
CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES (Z_2REMOTEPARTICIPANTCALLS INTEGER, Z_4REMOTEPARTICIPANTHANDLES INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$N)
INSERT INTO ZCALLRECORD SELECT i, 2, 1, i%3>0, CASE WHEN i%10=0 THEN 8 ELSE 1 END, 0, i%2, 700000000 + ((i*7919) % $N)*60.5, i%600, 'us', NULL, 'com.apple.Telephony', 'U-'||i, '+1 919 555 '||printf('%04d', i%10000) FROM n;
INSERT INTO ZHANDLE SELECT Z_PK, 4, 1, 2, ZADDRESS, ZADDRESS FROM ZCALLRECORD WHERE Z_PK%10=0;
INSERT INTO Z_2REMOTEPARTICIPANTHANDLES SELECT Z_PK, Z_PK FROM ZHANDLE;
SQL
sqlite3 $D/call_history.db <<SQL
CREATE TABLE call (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, address TEXT, date INTEGER, duration INTEGER, flags INTEGER, id INTEGER, name TEXT, country_code TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<$N)
INSERT INTO call SELECT i, '919555'||printf('%04d', i%10000), 1339531490 + ((i*7919) % $N)*60, i%600, 4+(i%2), -1, NULL, '310' FROM n;
SQL
if [ "$IDX" = 1 ]; then
sqlite3 $D/AddressBook.sqlitedb "CREATE INDEX ABMultiValueRecordIDIndex ON ABMultiValue(record_id); CREATE UNIQUE INDEX e1 ON ABMultiValueEntry(parent_id, key); CREATE UNIQUE INDEX g1 ON ABGroupMembers(group_id, member_type, member_id); CREATE UNIQUE INDEX l1 ON ABMultiValueLabel(value); CREATE UNIQUE INDEX k1 ON ABMultiValueEntryKey(value);"
sqlite3 $D/AddressBookImages.sqlitedb "CREATE UNIQUE INDEX t1 ON ABThumbnailImage(record_id, format); CREATE UNIQUE INDEX f1 ON ABFullSizeImage(record_id);"
sqlite3 $D/CallHistory.storedata "CREATE INDEX ZCALLRECORD_ZDATE ON ZCALLRECORD(ZDATE); CREATE INDEX Z_2REMOTEPARTICIPANTHANDLES_Z_4REMOTEPARTICIPANTHANDLES_INDEX ON Z_2REMOTEPARTICIPANTHANDLES(Z_4REMOTEPARTICIPANTHANDLES, Z_2REMOTEPARTICIPANTCALLS);"
sqlite3 $D/call_history.db "CREATE INDEX date_index on call(date);"
fi
