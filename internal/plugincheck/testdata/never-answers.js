// A plugin that never prints go-plugin's handshake line: it runs until it
// is killed.
setInterval(() => {}, 1 << 30);
