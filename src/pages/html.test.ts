import { describe, expect, it } from 'vitest';
import { attr, escapeHtml, html, raw, safeUrl } from './html.ts';
import { textOn, themeVariables } from './theme.ts';

describe('html', () => {
  it('escapes every interpolated value for text and quoted attributes', () => {
    const hostile = `<script>"x" & 'y' \`z\`</script>`;
    expect(html`<p title="${hostile}">${hostile}</p>`.value).toBe(
      '<p title="&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; &#96;z&#96;&lt;/script&gt;">&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; &#96;z&#96;&lt;/script&gt;</p>',
    );
  });

  it('nests templates and joins arrays without escaping them twice; drops null, undefined, false', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe(
      '<ul><li>a&lt;b</li><li>c</li></ul>0',
    );
    expect(html`${raw('<b>ok</b>')}`.value).toBe('<b>ok</b>');
  });

  it('builds attributes', () => {
    expect(attr('value', 'a"b').value).toBe(' value="a&quot;b"');
    expect(attr('checked', true).value).toBe(' checked');
    expect(attr('checked', false).value).toBe('');
    expect(attr('id', null).value).toBe('');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('lets only http(s) URLs through, resolving paths against the origin', () => {
    expect(safeUrl('https://cdn.example/a.jpg', 'http://x.test')).toBe('https://cdn.example/a.jpg');
    expect(safeUrl('/assets/logo.png', 'http://x.test:8080')).toBe('http://x.test:8080/assets/logo.png');
    expect(safeUrl('javascript:alert(1)', 'http://x.test')).toBeNull();
    expect(safeUrl('data:image/png;base64,AA', 'http://x.test')).toBeNull();
    expect(safeUrl(null, 'http://x.test')).toBeNull();
  });
});

describe('theme', () => {
  it('puts text of the readable colour on a brand colour', () => {
    expect(textOn('#1f4fd1')).toBe('#ffffff');
    expect(textOn('#f59e0b')).not.toBe('#ffffff');
  });

  it('lets only #rrggbb colours into the stylesheet', () => {
    const css = themeVariables({
      primaryColor: 'red;}</style><script>',
      accentColor: '#ABCDEF',
      theme: 'light',
    });
    expect(css).not.toContain('<');
    expect(css).toContain('--primary:#1f4fd1');
    expect(css).toContain('--accent:#abcdef');
  });
});
