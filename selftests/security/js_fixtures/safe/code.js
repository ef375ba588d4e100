setTimeout(() => tick(n), 10);
setTimeout(function () { tick(n); }, 10);
const v = JSON.parse(text);
