import type { PlannedPipeline } from "../../planning/plan-types.js";
import type { CheckoutOptions } from "./workspace.js";

/** What a pipeline's `checkout:` asks of its checkout: the server's runs and `gantry run` both read it here. */
export function checkoutOptionsOf(pipeline: PlannedPipeline): Pick<CheckoutOptions, "depth" | "submodules" | "lfs"> {
  const wanted = pipeline.checkout;
  return {
    ...(wanted?.depth ? { depth: wanted.depth } : {}),
    ...(wanted?.submodules ? { submodules: true } : {}),
    ...(wanted?.lfs ? { lfs: true } : {}),
  };
}
