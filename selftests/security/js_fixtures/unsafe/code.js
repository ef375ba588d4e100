function run(expr) { return eval(expr); }
const f = new Function("a", "return " + body);
setTimeout("tick(" + n + ")", 10);
