const agent = new https.Agent({ ca: fs.readFileSync("ca.pem") });
jwt.verify(token, key, { algorithms: ["HS256"] });
