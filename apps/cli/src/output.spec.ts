import { defaultFormat, render, renderTable } from './output';

describe('what the CLI prints', () => {
  it.each<[boolean | undefined, string]>([
    [true, 'table'],
    [false, 'json'],
    [undefined, 'json'],
  ])('defaults to %s → %s', (tty, format) => {
    expect(defaultFormat(tty)).toBe(format);
  });

  it('prints a list as a table with the given columns, and says where the next page is', () => {
    const page = {
      items: [
        { id: 'job-1', status: 'running', price: null },
        { id: 'job-22', status: 'queued' },
      ],
      nextCursor: 'abc',
    };
    expect(
      render(page, 'table', [
        { header: 'id', value: (r) => r.id },
        { header: 'status', value: (r) => r.status },
        { header: 'price', value: (r) => r.price },
      ]),
    ).toBe(
      ['ID      STATUS   PRICE', 'job-1   running  -', 'job-22  queued   -', '(more: --cursor abc)'].join(
        '\n',
      ),
    );
  });

  it('prints an object as field and value lines, nested values as JSON', () => {
    expect(render({ tenantId: 't-1', role: 'client', roles: ['a'] }, 'table')).toBe(
      ['tenantId  t-1', 'role      client', 'roles     ["a"]'].join('\n'),
    );
  });

  it('prints JSON as it is, and text unchanged', () => {
    expect(render({ a: 1 }, 'json')).toBe('{\n  "a": 1\n}');
    expect(render('line 1\nline 2\n', 'json')).toBe('line 1\nline 2');
  });

  it('infers columns from a list’s scalar fields when none are given', () => {
    expect(renderTable([{ a: 1, b: 'x' }], [{ header: 'a', value: (r) => r.a }])).toBe('A\n1');
    expect(render({ items: [{ a: 1, nested: { x: 1 }, b: true }] }, 'table')).toBe('A  B\n1  true');
  });
});
