/** The names people and other systems give each field's column, and how headers are compared. */
import type { CustomerField, OrderField } from './imports.fields.ts';
import type { ImportKind } from './imports.tables.ts';

/** Headers compared without case, spaces, punctuation or Hebrew gershayim: "דוא״ל" = 'דוא"ל' = "דואל". */
export function normaliseHeader(header: string): string {
  return header
    .toLowerCase()
    .replace(/[\s_\-.'"״׳`()[\]:/\\*#]/g, '')
    .trim();
}

// Names people give these columns in Israeli spreadsheets and in the exports of the systems shops move from,
// in Hebrew and English: Shopify's customers and orders exports ("Accepts Email Marketing", "Lineitem sku",
// "Default Address Zip"), WooCommerce's Customer / Order CSV Export (billing_phone, item_quantity,
// order_total) and HubSpot's contacts export ("Record ID", "Phone Number", "Unsubscribed from all email").
// Headers are compared normalised (normaliseHeader), so billing_phone = "Billing Phone". The earlier a name
// in its list, the stronger the match (suggestMapping).
//
// Hebrew headers of those exports (searched for, 2026-12-01): WooCommerce's Customer/Order CSV Export writes
// its column keys as they are in every language (SkyVerge's CSV_Export_Format_Definition::
// get_predefined_formats: 'billing_phone' => 'billing_phone', no __()), so a Hebrew site's order export has
// the English headers listed here. WooCommerce's own Analytics downloads (the customers report) do translate
// theirs (woocommerce/woocommerce, Admin/API/Reports/Customers/Controller::get_export_columns: __( 'Name',
// 'woocommerce' )…), but their he_IL strings live on translate.wordpress.org, which could not be read from
// here; no source was found either for Shopify or HubSpot writing localised export headers. So no Hebrew
// header of these systems is listed: the Hebrew names below are what people call the columns in their own
// spreadsheets, not a system's translation.
const customerSynonyms: Record<CustomerField, string[]> = {
  externalId: [
    'מספר לקוח',
    'מזהה לקוח',
    'קוד לקוח',
    'מס לקוח',
    'customer id',
    'customer number',
    'external id',
    'record id',
    'contact id',
    'user id',
    'id',
  ],
  firstName: ['שם פרטי', 'first name', 'given name', 'billing first name', 'שם'],
  lastName: ['שם משפחה', 'last name', 'surname', 'family name', 'billing last name'],
  firstNameLatin: ['שם פרטי באנגלית', 'שם פרטי לועזי', 'first name latin', 'first name english', 'latin first name'],
  lastNameLatin: ['שם משפחה באנגלית', 'שם משפחה לועזי', 'last name latin', 'last name english', 'latin last name'],
  fullName: ['שם מלא', 'שם הלקוח', 'full name', 'customer name', 'name', 'contact name', 'billing name'],
  email: ['דוא"ל', 'אימייל', 'מייל', 'דואר אלקטרוני', 'email', 'e-mail', 'mail', 'email address', 'billing email'],
  phone: [
    'טלפון',
    'נייד',
    'טלפון נייד',
    'סלולרי',
    'פלאפון',
    'phone',
    'mobile',
    'cell',
    'tel',
    'phone number',
    'mobile phone number',
    'billing phone',
    'default address phone',
  ],
  birthday: ['תאריך לידה', 'יום הולדת', 'birthday', 'birth date', 'date of birth', 'dob'],
  street: [
    'רחוב',
    'כתובת',
    'כתובת מגורים',
    'street',
    'address',
    'street address',
    'address1',
    'address 1',
    'default address address1',
    'billing address 1',
  ],
  city: ['עיר', 'יישוב', 'ישוב', 'city', 'town', 'default address city', 'billing city'],
  zip: ['מיקוד', 'zip', 'zip code', 'postal code', 'postcode', 'default address zip', 'billing postcode'],
  company: [
    'חברה',
    'שם חברה',
    'עסק',
    'שם העסק',
    'company',
    'company name',
    'organization',
    'default address company',
    'billing company',
  ],
  homeBranch: ['סניף בית', 'סניף', 'חנות', 'home branch', 'branch', 'store', 'preferred store'],
  note: ['הערות', 'הערה', 'note', 'notes', 'customer note'],
  tags: ['תגיות', 'תגים', 'תווית', 'tags', 'labels'],
  lifecycleStage: ['שלב', 'שלב לקוח', 'מחזור חיים', 'lifecycle stage', 'lifecycle', 'stage'],
  consentEmail: [
    'הסכמה לדוא"ל',
    'הסכמה למייל',
    'דיוור במייל',
    'אישור דיוור',
    'consent email',
    'email consent',
    'accepts email marketing',
    'accepts marketing',
    'email marketing consent',
  ],
  consentSms: [
    'הסכמה ל-SMS',
    'הסכמה לסמס',
    'אישור SMS',
    'consent sms',
    'sms consent',
    'accepts sms marketing',
    'sms marketing consent',
  ],
  consentWhatsapp: ['הסכמה לוואטסאפ', 'הסכמה לווטסאפ', 'אישור וואטסאפ', 'consent whatsapp', 'whatsapp consent'],
  emailOptOut: [
    'הוסר מדיוור',
    'הסרה מדיוור',
    'unsubscribed from all email',
    'email opt out',
    'opted out of all email',
    'unsubscribed',
  ],
};

const orderSynonyms: Record<OrderField, string[]> = {
  externalId: [
    'מספר הזמנה',
    'מזהה הזמנה',
    'הזמנה',
    'מספר קבלה',
    'order id',
    'order number',
    'order',
    'external id',
    'order name',
    'order no',
    'number',
    'name',
  ],
  customerExternalId: ['מספר לקוח', 'מזהה לקוח', 'קוד לקוח', 'customer id', 'customer external id', 'customer number'],
  customerEmail: ['דוא"ל לקוח', 'מייל לקוח', 'דוא"ל', 'אימייל', 'customer email', 'email', 'billing email'],
  customerPhone: ['טלפון לקוח', 'נייד לקוח', 'טלפון', 'נייד', 'customer phone', 'phone', 'mobile', 'billing phone'],
  placedAt: [
    'תאריך הזמנה',
    'תאריך',
    'מועד',
    'תאריך רכישה',
    'placed at',
    'order date',
    'date',
    'purchased at',
    'created at',
    'date created',
  ],
  channel: ['ערוץ', 'ערוץ מכירה', 'channel', 'sales channel', 'source', 'source name', 'created via'],
  branch: ['סניף', 'חנות', 'branch', 'store', 'location', 'pos location'],
  currency: ['מטבע', 'currency', 'order currency'],
  sku: ['מק"ט', 'קוד מוצר', 'ברקוד', 'sku', 'product code', 'item code', 'lineitem sku', 'item sku'],
  name: [
    'שם מוצר',
    'מוצר',
    'פריט',
    'תיאור',
    'product name',
    'lineitem name',
    'item name',
    'product',
    'item',
    'description',
    'name',
  ],
  quantity: ['כמות', 'יחידות', 'quantity', 'qty', 'units', 'lineitem quantity', 'item quantity'],
  unitPrice: ['מחיר יחידה', 'מחיר', 'unit price', 'price', 'item price', 'lineitem price'],
  lineTotal: ['סה"כ שורה', 'סכום שורה', 'line total', 'line subtotal', 'item subtotal', 'item total'],
  shipping: ['משלוח', 'דמי משלוח', 'shipping', 'shipping total', 'shipping cost', 'delivery'],
  discount: ['הנחה', 'סכום הנחה', 'discount', 'discount amount', 'discount total', 'cart discount'],
  tax: ['מע"מ', 'מס', 'tax', 'taxes', 'tax total', 'vat'],
  total: ['סה"כ', 'סה"כ הזמנה', 'סכום הזמנה', 'סה"כ לתשלום', 'total', 'order total', 'grand total'],
  refundedAmount: [
    'סכום זיכוי',
    'זיכוי',
    'סכום החזר',
    'החזר',
    'refunded amount',
    'refund amount',
    'refunded',
    'refund',
    'refunded total',
  ],
  refundedAt: ['תאריך זיכוי', 'תאריך החזר', 'refunded at', 'refund date'],
  // Shopify's "Cancelled at" (a date when cancelled), WooCommerce's status (cancelled, failed, completed…).
  cancelled: [
    'בוטל',
    'תאריך ביטול',
    'סטטוס הזמנה',
    'סטטוס',
    'cancelled at',
    'canceled at',
    'cancelled',
    'order status',
    'status',
  ],
  // Shopify's "Financial Status" (paid, partially_refunded…), WooCommerce's status (completed, processing…).
  paymentStatus: [
    'סטטוס תשלום',
    'מצב תשלום',
    'סטטוס הזמנה',
    'סטטוס',
    'financial status',
    'payment status',
    'order status',
    'status',
  ],
  // Shopify's "Billing Name", "Billing Address1"… and WooCommerce's billing_full_name, billing_address_1…
  billingName: ['שם לחיוב', 'billing name', 'billing full name'],
  billingCompany: ['חברה לחיוב', 'billing company'],
  billingAddress1: ['כתובת לחיוב', 'billing address1', 'billing address 1', 'billing street'],
  billingAddress2: ['billing address2', 'billing address 2'],
  billingCity: ['עיר לחיוב', 'billing city'],
  billingZip: ['מיקוד לחיוב', 'billing zip', 'billing postcode', 'billing postal code'],
  billingCountry: ['ארץ לחיוב', 'billing country', 'billing country code'],
  billingPhone: ['טלפון לחיוב', 'billing phone'],
  shippingName: ['שם למשלוח', 'shipping name', 'shipping full name'],
  shippingCompany: ['חברה למשלוח', 'shipping company'],
  shippingAddress1: ['כתובת למשלוח', 'shipping address1', 'shipping address 1', 'shipping street'],
  shippingAddress2: ['shipping address2', 'shipping address 2'],
  shippingCity: ['עיר למשלוח', 'shipping city'],
  shippingZip: ['מיקוד למשלוח', 'shipping zip', 'shipping postcode', 'shipping postal code'],
  shippingCountry: ['ארץ למשלוח', 'shipping country', 'shipping country code'],
  shippingPhone: ['טלפון למשלוח', 'shipping phone'],
};

export function synonymsOf(kind: ImportKind): Record<string, string[]> {
  return kind === 'customers' ? customerSynonyms : orderSynonyms;
}
