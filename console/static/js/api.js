// The only way the console reaches data: the hub API, with the bearer token, ETags and problem+json errors.

export class ApiError extends Error {
  constructor(status, problem) {
    const detail = (problem && (problem.detail || problem.title)) || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.problem = problem || {};
  }

  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

export class Api {
  constructor(config, { onUnauthorized } = {}) {
    this.endpoints = config.endpoints || {};
    this.token = null;
    this.onUnauthorized = onUnauthorized || (() => {});
  }

  has(name) {
    return Boolean(this.endpoints[name]);
  }

  // The path of a named endpoint with its {} parameters filled in; null when the hub does not serve it.
  path(name, ...args) {
    const template = this.endpoints[name];
    if (!template) return null;
    let i = 0;
    return template.replace(/\{[^}]*\}/g, () => encodeURIComponent(String(args[i++])));
  }

  async request(method, path, { json, form, ifMatch, query, accept } = {}) {
    const headers = { Accept: accept || "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (ifMatch) headers["If-Match"] = ifMatch;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) {
      body = form;
    }
    let url = path;
    if (query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          if (item !== null && item !== undefined && item !== "") params.append(key, item);
        }
      }
      const text = params.toString();
      if (text) url += (url.includes("?") ? "&" : "?") + text;
    }
    let res;
    try {
      res = await fetch(url, { method, headers, body, credentials: "same-origin" });
    } catch (err) {
      throw new ApiError(0, { title: "network", detail: String(err.message || err) });
    }
    const type = res.headers.get("content-type") || "";
    let data = null;
    if (type.includes("json")) data = await res.json();
    else if (res.status !== 204) data = await res.text();
    if (!res.ok) {
      if (res.status === 401 && this.token) this.onUnauthorized();
      throw new ApiError(res.status, typeof data === "object" ? data : { detail: data });
    }
    return { data, etag: res.headers.get("ETag"), status: res.status };
  }

  async get(name, args = [], options = {}) {
    const path = this.path(name, ...args);
    if (!path) throw new ApiError(404, { title: "unavailable", detail: name });
    return (await this.request("GET", path, options)).data;
  }

  async login(username, password) {
    const form = new URLSearchParams({ username, password, grant_type: "password" });
    const res = await fetch(this.path("login"), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: form,
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
}
