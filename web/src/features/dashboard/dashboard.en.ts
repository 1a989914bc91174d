/** The dashboard feature's words in English (i18next namespace 'dashboard'); the Hebrew file must have the same keys. */
export const dashboardEn = {
  nav: {
    dashboard: 'Dashboard',
  },
  dashboard: {
    title: 'Dashboard',
    totalCustomers: 'Customers',
    withConsent: 'Marketing consent',
    byStage: 'Customers by lifecycle stage',
    byConsent: 'Consent by channel',
    recent: 'Recently added',
    emptyTitle: 'No customers yet',
    emptyText: 'Import your customer list from a CSV or Excel file, or add the first customer by hand.',
    allCustomers: 'All customers',
  },
};
