// A noisy neighbour for lab 2's round 4 (run u07): one always-runnable
// thread that mixes arithmetic with random reads and writes over 512 MiB,
// so that it takes a core and empties the caches the lab's processes share.
//   node lab2/hog.js SECONDS
const a = new Float64Array(64 * 1024 * 1024);
const end = Date.now() + Number(process.argv[2] || 120) * 1000;
let s = 0, x = 1;
while (Date.now() < end) {
  for (let i = 0; i < 1e6; i++) {
    x = (x * 1103515245 + 12345) & 0x3ffffff;
    s += a[x];
    a[x] = i;
  }
}
console.log(s);
