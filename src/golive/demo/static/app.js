// golive demo front-end: lists the public projects. Served with a long-lived,
// immutable Cache-Control header (the file name would carry a hash in production).
"use strict";
(async () => {
  const list = document.getElementById("projects");
  if (!list) return;
  const resp = await fetch("/api/projects", { credentials: "same-origin" });
  const body = await resp.json();
  for (const project of body.projects) {
    const item = document.createElement("li");
    item.textContent = project.name;
    list.appendChild(item);
  }
})();
