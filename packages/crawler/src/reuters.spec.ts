import { modApteSplit, readReuters } from './reuters';

// Hand-written stories in the layout of the Reuters-21578 XML files (not taken from the collection).
const XML = `<?xml version="1.0"?>
<LEWIS>
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="901" NEWID="11">
<DATE> 2-MAR-1987 10:00:00.00</DATE>
<TOPICS><D>grain</D><D>wheat</D></TOPICS>
<PLACES><D>canada</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN>abc</UNKNOWN>
<TEXT>
<TITLE>PRAIRIE FARMERS PLANT MORE WHEAT</TITLE>
<DATELINE>    WINNIPEG, March 2 - </DATELINE><BODY>Farmers on the prairies &lt;Alpha Grain Co&gt; said
they will sow more wheat &amp; less barley this spring.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="902" NEWID="12">
<DATE> 3-MAR-1987 11:00:00.00</DATE>
<TOPICS><D>earn</D></TOPICS>
<PLACES><D>usa</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES><D>nyse</D></EXCHANGES>
<COMPANIES></COMPANIES>
<TEXT>
<TITLE>WIDGET MAKER QTR NET RISES</TITLE>
<BODY>Net profit 1.2 mln dlrs vs 0.9 mln.
 Reuter
</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="TEST" CGISPLIT="TRAINING-SET" OLDID="903" NEWID="13">
<DATE> 3-MAR-1987 12:00:00.00</DATE>
<TOPICS></TOPICS>
<PLACES></PLACES>
<PEOPLE><D>someone</D></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<TEXT TYPE="BRIEF">
<TITLE>SHORT NOTICE WITH NO TOPIC</TITLE>
</TEXT>
</REUTERS>
<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="904" NEWID="14">
<DATE> 4-MAR-1987 09:00:00.00</DATE>
<TOPICS></TOPICS>
<PLACES></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<TEXT TYPE="UNPROC">
WEEKLY TABLE
    item one ....... 12
</TEXT>
</REUTERS>
<REUTERS TOPICS="YES" LEWISSPLIT="NOT-USED" CGISPLIT="TRAINING-SET" OLDID="905" NEWID="15">
<DATE> 5-MAR-1987 09:00:00.00</DATE>
<TOPICS><D>crude</D></TOPICS>
<PLACES></PLACES>
<PEOPLE></PEOPLE>
<ORGS><D>opec</D></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<TEXT>
<TITLE>OIL MINISTERS MEET</TITLE>
<BODY>Ministers met to discuss output.</BODY></TEXT>
</REUTERS>
</LEWIS>
`;

describe('readReuters', () => {
  const docs = readReuters(XML);

  it('reads one entity per story: NEWID, title, body text and the topics as category', () => {
    expect(docs.map((d) => d.id)).toEqual(['11', '12', '13', '14', '15']);
    const first = docs[0]!;
    expect(first.title).toBe('PRAIRIE FARMERS PLANT MORE WHEAT');
    expect(first.category).toEqual(['grain', 'wheat']);
    // entities decoded, the "Reuter" signature and control characters dropped, the dateline left out
    expect(first.text).toBe('Farmers on the prairies <Alpha Grain Co> said\nthey will sow more wheat & less barley this spring.');
    expect(first.meta).toMatchObject({
      lewissplit: 'TRAIN',
      topicsAttr: 'YES',
      cgisplit: 'TRAINING-SET',
      oldid: '901',
      date: '2-MAR-1987 10:00:00.00',
      places: 'canada',
      people: '',
    });
    expect(docs[1]!.meta?.exchanges).toBe('nyse');
    expect(docs[4]!.meta?.orgs).toBe('opec');
  });

  it('reads brief and unprocessed stories', () => {
    expect(docs[2]!.title).toBe('SHORT NOTICE WITH NO TOPIC');
    expect(docs[2]!.text).toBe('');
    expect(docs[2]!.category).toEqual([]);
    expect(docs[3]!.title).toBe('');
    expect(docs[3]!.text).toBe('WEEKLY TABLE\n    item one ....... 12');
  });

  it('refuses a story without NEWID', () => {
    expect(() => readReuters('<REUTERS TOPICS="YES"><TITLE>x</TITLE></REUTERS>')).toThrow(/NEWID/);
  });
});

describe('modApteSplit', () => {
  it('keeps TOPICS="YES" stories with a topic: LEWISSPLIT TRAIN to train, TEST to test', () => {
    const { train, test } = modApteSplit(readReuters(XML));
    expect(train.map((d) => d.id)).toEqual(['11']);
    // 13 has TOPICS="YES" but no topic; 14 has TOPICS="NO"; 15 is NOT-USED
    expect(test.map((d) => d.id)).toEqual(['12']);
  });
});
