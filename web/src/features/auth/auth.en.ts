/** The auth feature's words in English (i18next namespace 'auth'); the Hebrew file must have the same keys. */
export const authEn = {
  auth: {
    setupTitle: 'Welcome to Klient',
    setupIntro: 'Set up your business in a minute. You will be its owner and can invite your team afterwards.',
    businessName: 'Business name',
    ownerName: 'Your name',
    email: 'Email',
    password: 'Password',
    passwordHint: 'At least 10 characters.',
    language: 'Language of the business',
    setupSubmit: 'Create my business',
    loginTitle: 'Log in to Klient',
    loginSubmit: 'Log in',
    badCredentials: 'Wrong email or password.',
    lockedOut: 'Too many attempts. Wait a few minutes and try again.',
    inviteTitle: 'Join {{workspace}}',
    inviteIntro: 'You were invited as {{role}} with the email {{email}}. Choose your name and a password.',
    inviteSubmit: 'Join the team',
    inviteInvalid: 'This invitation is no longer valid. Ask whoever invited you for a new link.',
    name: 'Full name',
  },
};
