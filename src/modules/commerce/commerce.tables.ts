import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Money = ColumnType<string, string | number, string | number>;

export type OrderChannel = 'store' | 'web' | 'app' | 'phone' | 'whatsapp';
export type OrderStatus = 'completed' | 'partially_refunded' | 'refunded' | 'cancelled';
/** Where the order stands with its payment, as the source system said (Shopify's Financial Status, WooCommerce's status). */
export type PaymentStatus =
  | 'pending'
  | 'authorized'
  | 'paid'
  | 'partially_paid'
  | 'partially_refunded'
  | 'refunded'
  | 'voided'
  | 'failed';
/** A billing or shipping address as the source wrote it; any part may be missing. The person's: erased with them. */
export type OrderAddress = {
  name?: string;
  company?: string;
  street?: string;
  street2?: string;
  city?: string;
  zip?: string;
  country?: string;
  phone?: string;
};
type Json<T> = ColumnType<T | null, string | null | undefined, string | null>;

export type ProductTable = {
  workspace_id: string;
  id: string;
  sku: string;
  name: string;
  category: string | null;
  price: Money | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
};

export type OrderTable = {
  workspace_id: string;
  id: string;
  external_id: string | null;
  customer_id: string;
  placed_at: ColumnType<Date, Date | string, Date | string>;
  channel: OrderChannel;
  branch_id: string | null;
  status: Generated<OrderStatus>;
  currency: Generated<string>;
  total: Money;
  /** The number of lines, fixed when the order is written (the timeline shows it). */
  items_count: Generated<number>;
  refunded_total: ColumnType<string, string | undefined, string | number>;
  /** What the source system charged besides the lines (migration 0013); the total already holds them. */
  shipping_total: ColumnType<string, string | number | undefined, string | number>;
  discount_total: ColumnType<string, string | number | undefined, string | number>;
  tax_total: ColumnType<string, string | number | undefined, string | number>;
  /** Who paid and where the order went (migration 0015); null when the source did not say. */
  billing_address: Json<OrderAddress>;
  shipping_address: Json<OrderAddress>;
  payment_status: PaymentStatus | null;
  created_at: CreatedAt;
};

export type OrderItemTable = {
  workspace_id: string;
  order_id: string;
  line_no: number;
  product_id: string | null;
  sku: string;
  name: string;
  quantity: Money;
  unit_price: Money;
  total: Money;
};

export type RefundTable = {
  workspace_id: string;
  id: string;
  order_id: string;
  external_id: string | null;
  amount: Money;
  reason: string | null;
  refunded_at: ColumnType<Date, Date | string, never>;
  created_at: CreatedAt;
};

export type CommerceTables = {
  products: ProductTable;
  orders: OrderTable;
  order_items: OrderItemTable;
  refunds: RefundTable;
};

declare module '../../db/schema.ts' {
  interface DB extends CommerceTables {}
}
