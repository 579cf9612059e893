/** The admin key lives in this tab's session storage only: it is gone when the tab closes, and never in a URL or a cookie. */
const storageKey = 'tokenpak.adminKey';

export const savedAdminKey = (): string | null => sessionStorage.getItem(storageKey);
export const saveAdminKey = (key: string): void => sessionStorage.setItem(storageKey, key);
export const forgetAdminKey = (): void => sessionStorage.removeItem(storageKey);
