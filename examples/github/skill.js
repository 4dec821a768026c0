// github: GitHub's REST API through the engine's fetch.
//
// The engine grants this skill api.github.com (and the instance's enterprise_host) and
// nothing else. The token is a host-bound secret: the engine adds the Authorization
// header to requests for those hosts, so this code never holds it and cannot leak it.
import { defineSkill, getConfig, ok, err } from "@skill-engine/sdk";

const DEFAULT_API = "https://api.github.com";
const REPO_RE = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

class GitHubError extends Error {}

function apiRoot(config = getConfig()) {
  return (config.api_url || DEFAULT_API).replace(/\/+$/, "");
}

function checkRepo(repo) {
  if (!REPO_RE.test(repo || "")) throw new GitHubError(`repo must be owner/name, e.g. octocat/hello-world; got ${JSON.stringify(repo)}`);
  return repo;
}

// One API call: JSON in and out, GitHub's error messages turned into one line that says what to do.
async function github(path, { method = "GET", body, root = apiRoot() } = {}) {
  const headers = { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(root + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (response.ok) return data;
  const said = (data && data.message) || response.statusText || "no message";
  if (response.status === 401) {
    throw new GitHubError(`GitHub rejected the token (401 ${said}); set a valid one with: skill config github --secret token=...`);
  }
  if (response.status === 403 && response.headers.get("x-ratelimit-remaining") === "0") {
    throw new GitHubError("GitHub's rate limit is used up; try again after it resets");
  }
  if (response.status === 404) throw new GitHubError(`not found on GitHub: ${path.split("?")[0]} (or the token cannot see it)`);
  const details = data && Array.isArray(data.errors) ? ": " + data.errors.map((e) => e.message || e.code).join("; ") : "";
  throw new GitHubError(`GitHub answered ${response.status} (${said}${details})`);
}

function limitOf(value, fallback, most) {
  const n = value === undefined || value === null ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > most) throw new GitHubError(`limit must be a whole number from 1 to ${most}`);
  return n;
}

// The SDK turns a thrown error into a failed run; only our own errors are expected ones.
async function guarded(work) {
  try {
    return await work();
  } catch (e) {
    if (e instanceof GitHubError) return err(e.message);
    if (e instanceof TypeError && e.code) return err(`cannot reach GitHub: ${e.message}`);
    throw e;
  }
}

export default defineSkill({
  metadata: {
    name: "github",
    version: "1.0.0",
    description: "Search GitHub repositories, list a repository's issues and open new ones",
    author: "skill-tui examples",
  },
  tools: [
    {
      name: "search-repositories",
      description: "Search GitHub repositories by words, language or topic, most stars first",
      parameters: [
        { name: "query", paramType: "string", description: "GitHub search syntax, e.g. 'wasm language:rust'", required: true },
        { name: "limit", paramType: "integer", description: "How many repositories (1-50)", defaultValue: "5" },
      ],
      handler: ({ query, limit }) => guarded(async () => {
        const n = limitOf(limit, 5, 50);
        const q = encodeURIComponent(query);
        const found = await github(`/search/repositories?q=${q}&sort=stars&order=desc&per_page=${n}`);
        const repos = (found.items || []).slice(0, n).map((r) => ({
          name: r.full_name,
          description: r.description || "",
          stars: r.stargazers_count,
          url: r.html_url,
        }));
        if (!repos.length) return ok(`no repositories match ${JSON.stringify(query)}`, { total: 0, repositories: [] });
        const lines = repos.map((r, i) => `${i + 1}. ${r.name} ★ ${r.stars}${r.description ? " - " + r.description : ""}`);
        return ok(lines.join("\n"), { total: found.total_count, repositories: repos });
      }),
    },
    {
      name: "list-issues",
      description: "List the open (or closed) issues of a repository",
      parameters: [
        { name: "repo", paramType: "string", description: "owner/name", required: true },
        { name: "state", paramType: "string", description: "Which issues", defaultValue: "open", enum: ["open", "closed", "all"] },
        { name: "limit", paramType: "integer", description: "How many issues (1-100)", defaultValue: "10" },
      ],
      handler: ({ repo, state, limit }) => guarded(async () => {
        const n = limitOf(limit, 10, 100);
        const listed = await github(`/repos/${checkRepo(repo)}/issues?state=${state || "open"}&per_page=${n}`);
        const issues = (listed || []).filter((i) => !i.pull_request).map((i) => ({
          number: i.number,
          title: i.title,
          state: i.state,
          author: i.user && i.user.login,
          url: i.html_url,
        }));
        if (!issues.length) return ok(`${repo} has no ${state || "open"} issues`, { issues: [] });
        return ok(issues.map((i) => `#${i.number} ${i.title} (${i.author})`).join("\n"), { issues });
      }),
    },
    {
      name: "create-issue",
      description: "Open a new issue in a repository",
      parameters: [
        { name: "repo", paramType: "string", description: "owner/name", required: true },
        { name: "title", paramType: "string", description: "Issue title", required: true },
        { name: "body", paramType: "string", description: "Markdown text of the issue" },
        { name: "labels", paramType: "string", description: "Comma-separated label names" },
      ],
      handler: ({ repo, title, body, labels }) => guarded(async () => {
        if (!String(title || "").trim()) throw new GitHubError("title must not be empty");
        const issue = { title: title.trim() };
        if (body) issue.body = body;
        const names = String(labels || "").split(",").map((s) => s.trim()).filter(Boolean);
        if (names.length) issue.labels = names;
        const made = await github(`/repos/${checkRepo(repo)}/issues`, { method: "POST", body: issue });
        return ok(`opened #${made.number}: ${made.html_url}`, { number: made.number, url: made.html_url });
      }),
    },
  ],
  // The wizard's Test button: ask GitHub who the token belongs to. The token itself is added by
  // the engine on the way out; this code only learns whether GitHub accepted it.
  validateConfig: async (config) => {
    const root = apiRoot(config);
    if (!/^https?:\/\/[^/]+/.test(root)) return { err: `api_url must be a URL like ${DEFAULT_API}` };
    try {
      const me = await github("/user", { root });
      return { ok: `token accepted: signed in as ${me.login}` };
    } catch (e) {
      if (e instanceof GitHubError || (e instanceof TypeError && e.code)) return { err: e.message };
      throw e;
    }
  },
});
