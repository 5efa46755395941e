import type { CreateLogProcessor } from "../worker-deps.js";
import { createLogProcessor } from "./create-log-processor.js";

/** The processor a pipeline's log is read with: its matchers, paths made relative to its workspace. */
export const logProcessorFor: CreateLogProcessor = ({ pipeline, workspace }) => createLogProcessor({ matchers: pipeline.matchers, workspace });
