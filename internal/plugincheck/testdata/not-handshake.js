// A plugin that prints something else than go-plugin's handshake line on
// stdout, and exits: what a web server started by mistake does.
console.log("Server listening on http://localhost:3000 (pid " + process.pid + ")");
