export { startGantry, type Gantry } from "./start-gantry.js";
export { readSettings, type Settings } from "./settings/read-settings.js";
export { githubAppFromProbot, type GitHubApp } from "./github/github-app.js";
