import fs from 'node:fs';

/** Deterministic data for the import benchmark: the same seed gives the same files. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const firstNames = ['נועה', 'דוד', 'מאיה', 'יוסף', 'תמר', 'איתי', 'שירה', 'אריאל', 'רוני', 'עומר', 'יעל', 'אורי'];
const lastNames = ['כהן', 'לוי', 'מזרחי', 'פרץ', 'ביטון', 'דהן', 'אברהם', 'פרידמן', 'אזולאי', 'גבאי', 'שפירא'];
const cities = ['תל אביב', 'חיפה', 'באר שבע', 'ירושלים', 'רמת גן', 'אשדוד'];
const channels = ['store', 'store', 'store', 'web', 'app', 'phone', 'whatsapp'] as const;
const branches = ['תל אביב', 'חיפה', 'באר שבע'];
export const benchProducts = Array.from({ length: 30 }, (_, i) => ({
  sku: `SKU-${String(i + 1).padStart(3, '0')}`,
  name: ['קרואסון חמאה', 'קפוצ׳ינו', 'עוגת גבינה', 'לחם מחמצת', 'בורקס תפו״א', 'שקשוקה'][i % 6]!,
  price: 9 + (i % 12) * 3.5,
}));
const mobilePrefixes = ['50', '52', '53', '54', '58'];

export type BenchCustomer = {
  externalId: string;
  firstName: string;
  lastName: string;
  phone: string;
  email: string;
  city: string;
  consentEmail: boolean;
};
export type BenchOrder = {
  externalId: string;
  customer: number;
  placedAt: string;
  channel: (typeof channels)[number];
  branch: string | null;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
};

export function benchCustomer(i: number, random: () => number): BenchCustomer {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  return {
    externalId: `C${i}`,
    firstName: pick(firstNames),
    lastName: pick(lastNames),
    phone: `0${mobilePrefixes[i % 5]}${String(Math.floor(i / 5)).padStart(7, '0')}`,
    email: `c${i}@example.co.il`,
    city: pick(cities),
    consentEmail: random() < 0.6,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function benchOrder(j: number, customers: number, random: () => number): BenchOrder {
  const product = benchProducts[Math.floor(random() * benchProducts.length)]!;
  const channel = channels[Math.floor(random() * channels.length)]!;
  const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(random() * 3 * 365) * 86_400_000);
  const hour = 7 + Math.floor(random() * 13);
  return {
    externalId: `O${j}`,
    customer: Math.floor(random() * customers),
    placedAt: `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}T${pad(hour)}:${pad(Math.floor(random() * 60))}:00+02:00`,
    channel,
    branch: channel === 'store' ? branches[Math.floor(random() * branches.length)]! : null,
    sku: product.sku,
    name: product.name,
    quantity: 1 + Math.floor(random() * 3),
    unitPrice: product.price,
  };
}

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Writes the customers and orders CSVs as a user would export them (one row per order line). */
export function writeBenchCsvs(dir: string, customers: number, orders: number) {
  fs.mkdirSync(dir, { recursive: true });
  const customersPath = `${dir}/customers-${customers}.csv`;
  const ordersPath = `${dir}/orders-${customers}-${orders}.csv`;
  if (!fs.existsSync(customersPath)) {
    const random = mulberry32(1);
    const out = ['externalId,firstName,lastName,phone,email,city,consentEmail'];
    for (let i = 0; i < customers; i++) {
      const c = benchCustomer(i, random);
      out.push(
        [c.externalId, c.firstName, c.lastName, c.phone, c.email, c.city, c.consentEmail ? 'yes' : 'no'].join(','),
      );
    }
    fs.writeFileSync(customersPath, `${out.join('\n')}\n`);
  }
  if (!fs.existsSync(ordersPath)) {
    const random = mulberry32(2);
    const fd = fs.openSync(ordersPath, 'w');
    fs.writeSync(fd, 'externalId,customerExternalId,placedAt,channel,branch,sku,name,quantity,unitPrice\n');
    let chunk: string[] = [];
    for (let j = 0; j < orders; j++) {
      const o = benchOrder(j, customers, random);
      chunk.push(
        [
          o.externalId,
          `C${o.customer}`,
          o.placedAt,
          o.channel,
          o.branch ?? '',
          o.sku,
          quote(o.name),
          o.quantity,
          o.unitPrice,
        ].join(','),
      );
      if (chunk.length === 50_000) {
        fs.writeSync(fd, `${chunk.join('\n')}\n`);
        chunk = [];
      }
    }
    if (chunk.length) fs.writeSync(fd, `${chunk.join('\n')}\n`);
    fs.closeSync(fd);
  }
  return { customersPath, ordersPath };
}
