// A list screen filtered by status: the choice is kept for the tab, and the list reloads on it and on live events.

import { errorNotice } from "../common.js";
import { replace } from "../dom.js";

// Fill the list now, again when the status filter changes or a live event of interest arrives; returns the unsubscribe.
export async function statusList(ctx, { list, statusSelect, filterKey, fill, reloadsOn }) {
  async function load() {
    try {
      await fill();
    } catch (err) {
      replace(list, errorNotice(ctx, err));
    }
  }

  statusSelect.addEventListener("change", () => {
    sessionStorage.setItem(filterKey, statusSelect.value);
    load();
  });
  await load();
  const off = ctx.live ? ctx.live.on((e) => reloadsOn(e.kind) && load()) : null;
  return () => off && off();
}
