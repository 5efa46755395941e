/** A run's steps' home lives in `<workspaces root>/<run id>` + this: beside the workspace, removed with it. */
export const HOME_SUFFIX = ".home";
