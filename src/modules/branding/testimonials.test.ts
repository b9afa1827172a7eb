import { describe, expect, it } from 'vitest';
import { asSession, type SignedUp, signUp, useTestApp } from '../../../test/http.ts';

const t = useTestApp();

const as = (p: SignedUp) => asSession(t.app, p.cookie);
const paths = (res: { json(): { errors?: { path: string }[] } }) =>
  res.json().errors?.map((e) => e.path) ?? [];

describe('testimonials', () => {
  it('adds, lists in display order, changes and deletes', async () => {
    const owner = await signUp(t.app, 'quotes');
    const add = (body: object) => as(owner)('POST', '/api/v1/testimonials', body);
    const first = await add({ authorName: '  Maria L. ', quote: 'Sold in a week!', rating: 5, sortOrder: 2 });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      authorName: 'Maria L.',
      quote: 'Sold in a week!',
      location: null,
      rating: 5,
      sortOrder: 2,
      isPublished: true,
    });
    const second = (
      await add({ authorName: 'James', quote: 'Great help', location: 'Austin', sortOrder: 1 })
    ).json();
    const list = (await as(owner)('GET', '/api/v1/testimonials')).json();
    expect(list.nextCursor).toBeNull();
    expect(list.data.map((q: { id: string }) => q.id)).toEqual([second.id, first.json().id]);

    const patched = await as(owner)('PATCH', `/api/v1/testimonials/${second.id}`, {
      isPublished: false,
      rating: null,
      location: '',
      sortOrder: 3,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      isPublished: false,
      rating: null,
      location: null,
      quote: 'Great help',
    });
    const reordered = (await as(owner)('GET', '/api/v1/testimonials')).json().data;
    expect(reordered.map((q: { id: string }) => q.id)).toEqual([first.json().id, second.id]);

    expect((await as(owner)('DELETE', `/api/v1/testimonials/${second.id}`)).statusCode).toBe(204);
    expect((await as(owner)('DELETE', `/api/v1/testimonials/${second.id}`)).statusCode).toBe(404);
    expect((await as(owner)('GET', '/api/v1/testimonials')).json().data).toHaveLength(1);
  });

  it('answers 422 naming the field', async () => {
    const owner = await signUp(t.app, 'quotes');
    const add = (body: object) => as(owner)('POST', '/api/v1/testimonials', body);
    expect(paths(await add({ quote: 'x' }))).toEqual(['body.authorName']);
    expect(paths(await add({ authorName: 'A', quote: '   ' }))).toEqual(['body.quote']);
    expect(paths(await add({ authorName: 'A', quote: 'q', rating: 6 }))).toEqual(['body.rating']);
    expect(paths(await add({ authorName: 'A', quote: 'q', rating: 4.5 }))).toEqual(['body.rating']);
    expect(paths(await add({ authorName: 'A', quote: 'x'.repeat(2001) }))).toEqual(['body.quote']);
    const created = (await add({ authorName: 'A', quote: 'q' })).json();
    const patch = await as(owner)('PATCH', `/api/v1/testimonials/${created.id}`, { authorName: '' });
    expect(paths(patch)).toEqual(['body.authorName']);
  });

  it('answers 404 for another account’s testimonial, an unknown id and a malformed one', async () => {
    const a = await signUp(t.app, 'quotes');
    const b = await signUp(t.app, 'quotes');
    const mine = (await as(a)('POST', '/api/v1/testimonials', { authorName: 'A', quote: 'Mine' })).json();
    for (const id of [mine.id, crypto.randomUUID(), 'nope']) {
      expect((await as(b)('PATCH', `/api/v1/testimonials/${id}`, { quote: 'Taken' })).statusCode).toBe(404);
      expect((await as(b)('DELETE', `/api/v1/testimonials/${id}`)).statusCode).toBe(404);
    }
    expect((await as(b)('GET', '/api/v1/testimonials')).json().data).toEqual([]);
    expect((await as(a)('GET', '/api/v1/testimonials')).json().data[0].quote).toBe('Mine');
  });
});
