// The core's secret masker: every spelling of a secret (raw, JSON, URL, base64 at each alignment, Basic pairs) and token-shaped values.
import assert from 'node:assert/strict';
import { looksLikeToken, maskerFor, quoteUnlessToken, SecretMasker } from '../../src/core/secret-masker';

const TOKEN = 'ATATT3xFfGF0T4kQ9zLm+/=secretbody0123456789';
const EMAIL = 'dev@acme.example';

describe('SecretMasker', () => {
  it('masks every occurrence, merging overlapping secrets', () => {
    const masker = new SecretMasker();
    masker.add('abcdef');
    masker.add('defghi');
    assert.equal(masker.mask('x abcdefghi y abcdef'), 'x *** y ***');
  });

  it('masks each line of a multi-line secret, and its JSON and URL spellings', () => {
    const masker = new SecretMasker();
    masker.add('line-one\nline "two"');
    assert.equal(masker.mask('line-one'), '***');
    assert.equal(masker.mask('> line "two" <'), '> *** <');
    assert.equal(masker.mask(JSON.stringify('line-one\nline "two"')), '"***"');
    assert.equal(masker.mask(`?q=${encodeURIComponent('line "two"')}`), '?q=***');
  });

  it('ignores empty and blank values', () => {
    const masker = new SecretMasker();
    masker.add('   ');
    masker.add('');
    assert.equal(masker.mask('   spaced   '), '   spaced   ');
  });

  it('masks the bare base64 of email:token, with or without padding, in both alphabets', () => {
    const masker = maskerFor([TOKEN]);
    const basic = Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64');
    for (const form of [basic, basic.replace(/=+$/, ''), basic.replace(/\+/g, '-').replace(/\//g, '_')]) {
      const out = masker.mask(`{"error":{"message":"bad ${form}"}}`);
      assert.ok(!out.includes(form.slice(-20)), out);
      assert.ok(out.includes('***'), out);
    }
  });

  it('masks a secret inside any longer base64 text, whatever bytes precede it', () => {
    const masker = maskerFor(['s3cret-value-for-test']);
    for (const prefix of ['', 'a', 'ab', 'abc', 'user.name@example.org:']) {
      const blob = Buffer.from(`${prefix}s3cret-value-for-test and more`).toString('base64');
      const out = masker.mask(blob);
      const visible = Buffer.from(out.replace('***', ''), 'base64').toString('latin1');
      assert.ok(!visible.includes('s3cret-value'), `${prefix}: ${out}`);
    }
  });

  it('masks the whole Basic pair when the pair is registered, email included', () => {
    const masker = maskerFor([TOKEN, `${EMAIL}:${TOKEN}`]);
    const basic = Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64');
    assert.equal(masker.mask(`header ${basic}.`), 'header ***.');
    const url = masker.mask(`https://${encodeURIComponent(EMAIL)}:${encodeURIComponent(TOKEN)}@x`);
    assert.equal(url, `https://${encodeURIComponent(EMAIL)}:***@x`);
  });

  it('masks Atlassian-prefixed tokens and Authorization values nobody registered', () => {
    const masker = new SecretMasker();
    assert.equal(masker.mask('got ATCTT3xFfGF0unregistered0000000 back'), 'got *** back');
    assert.equal(masker.mask('Authorization: Bearer abcdefghijklmnop'), 'Authorization: Bearer ***');
    assert.equal(masker.mask('ATAT is a prefix'), 'ATAT is a prefix');
  });

  it('leaves short secrets out of maskerFor (they would mask ordinary words)', () => {
    assert.equal(maskerFor(['abc']).mask('abc abcdef'), 'abc abcdef');
  });
});

describe('looksLikeToken', () => {
  it('recognises Atlassian prefixes and long high-entropy strings', () => {
    assert.ok(looksLikeToken(TOKEN));
    assert.ok(looksLikeToken('ATBB1234567890abcdefghijklmnop'));
    assert.ok(looksLikeToken('q8Zr2LmX0pVt7Kc4Wn9sHy3B'));
  });

  it('does not take emails, user names or words for tokens', () => {
    for (const value of [
      EMAIL,
      'jdoe',
      'x-token-auth',
      'aaaaaaaaaaaaaaaaaaaaaaaaaaaa1',
      'my-workspace-bot-user',
    ])
      assert.ok(!looksLikeToken(value), value);
  });

  it('quotes only what is not a token', () => {
    assert.equal(quoteUnlessToken('jdoe'), '"jdoe"');
    assert.ok(!quoteUnlessToken(TOKEN).includes('ATAT'));
  });
});
