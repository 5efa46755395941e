export { startGantry, type Gantry } from "./app/start-gantry.js";
export { readSettings, type Settings } from "./app/settings/read-settings.js";
export { githubAppFromProbot, type GitHubApp } from "./github/github-app.js";
