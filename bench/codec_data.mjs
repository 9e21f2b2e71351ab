// The codec benchmarks' nested dataset, shared by bench/codec.mjs and bench/codec_parts.mjs
// so that both measure the same objects.

/** A ~1 KiB nested "order" object (922 bytes as JSON for seed 0). */
export function nested1k(seed) {
  return {
    id: seed,
    type: "order",
    createdAt: "2024-05-01T12:00:00.000Z",
    customer: { id: seed * 7, name: "Customer " + seed, email: `c${seed}@example.com`, vip: seed % 3 === 0 },
    items: Array.from({ length: 6 }, (_, i) => ({
      sku: "SKU-" + (seed + i),
      qty: i + 1,
      price: 9.99 + i,
      tags: ["red", "large"],
    })),
    address: { street: "1 Main Street", city: "Springfield", zip: "12345", country: "US" },
    notes: "Please leave the parcel at the door. Thanks!",
    history: Array.from({ length: 4 }, (_, i) => ({
      at: 1714564800000 + i * 3600_000,
      status: ["new", "paid", "packed", "sent"][i],
      by: "system",
    })),
    totals: { net: 123.45, tax: 20.5, gross: 143.95 },
  };
}
