// A plain HTTP client, no LLM: the kind of code nock.back or Polly.js users tape today.
export const API_URL = process.env.PLAIN_API_URL ?? 'http://127.0.0.1:4010';

export interface Repo {
  name: string;
  stars: number;
}

/** Fetches a page of repositories and returns the most starred ones. */
export async function topRepos(org: string, limit = 2): Promise<Repo[]> {
  const res = await fetch(`${API_URL}/orgs/${encodeURIComponent(org)}/repos?per_page=100`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`API answered ${res.status}`);
  const repos = (await res.json()) as Array<{ name: string; stargazers_count: number }>;
  return repos
    .map((r) => ({ name: r.name, stars: r.stargazers_count }))
    .sort((a, b) => b.stars - a.stars)
    .slice(0, limit);
}

/** Creates an issue; the POST body is part of the cassette key (canonical JSON: key order never matters). */
export async function openIssue(repo: string, title: string): Promise<number> {
  const res = await fetch(`${API_URL}/repos/${repo}/issues`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.PLAIN_API_TOKEN ?? 'ghp_exampletokennotreal0000000000000000'}` },
    body: JSON.stringify({ title, labels: ['from-tests'] }),
  });
  return ((await res.json()) as { number: number }).number;
}
