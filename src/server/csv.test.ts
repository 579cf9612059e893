import { describe, expect, it } from 'vitest';
import { csvCell, csvHeader, csvLines, type CsvColumn } from './csv.js';

describe('csvCell', () => {
  it('quotes a cell holding a comma, a quote or a line break, doubling its quotes (RFC 4180)', () => {
    expect(csvCell('a,b', 'text')).toBe('"a,b"');
    expect(csvCell('say "hi"', 'text')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines', 'text')).toBe('"two\nlines"');
    expect(csvCell('cr\rhere', 'text')).toBe('"cr\rhere"');
    expect(csvCell('plain', 'text')).toBe('plain');
  });

  it('puts an apostrophe before a text cell a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x")', 'text')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1', 'text')).toBe("'+1");
    expect(csvCell('-2+3', 'text')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)', 'text')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd', 'text')).toBe("'\tcmd");
    expect(csvCell('a=b', 'text')).toBe('a=b');
  });

  it('writes numbers as numbers, negative ones included, and null as an empty cell', () => {
    expect(csvCell(-0.25, 'number')).toBe('-0.25');
    expect(csvCell(42, 'number')).toBe('42');
    expect(csvCell(null, 'number')).toBe('');
    expect(csvCell(null, 'text')).toBe('');
  });
});

describe('csvLines', () => {
  it('writes a header and one CRLF-ended line per row', () => {
    const columns: Array<CsvColumn<{ name: string; saved: number }>> = [
      { name: 'name', kind: 'text', value: (row) => row.name },
      { name: 'saved', kind: 'number', value: (row) => row.saved },
    ];
    expect(csvHeader(columns) + csvLines(columns, [{ name: '-x,y', saved: -1 }, { name: 'ok', saved: 2 }])).toBe(`name,saved\r\n"'-x,y",-1\r\nok,2\r\n`);
  });
});
