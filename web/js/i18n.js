// Translations of the web client: Chinese first (zh, the default), English one click away.
// Every page module registers its own strings at import time with addMessages(), keys prefixed
// by the module ('att.event.register', 'org.timetable.title', ...). The reader's choice is kept
// in localStorage.
// @ts-check

const KEY = 'summitd.lang';
/** @type {{zh: Record<string, string>, en: Record<string, string>}} */
const messages = { zh: {}, en: {} };

/** @returns {'zh' | 'en'} */
export function getLang() {
    try {
        const v = localStorage.getItem(KEY);
        if (v === 'en' || v === 'zh') return v;
    } catch { /* storage disabled */ }
    return 'zh';
}

/** @param {'zh' | 'en'} l */
export function setLang(l) {
    try { localStorage.setItem(KEY, l); } catch { /* storage disabled */ }
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

/** The BCP 47 tag for Intl: zh-CN or en. */
export function locale() { return getLang() === 'zh' ? 'zh-CN' : 'en'; }

/** @param {{zh?: Record<string, string>, en?: Record<string, string>}} m */
export function addMessages(m) {
    Object.assign(messages.zh, m.zh || {});
    Object.assign(messages.en, m.en || {});
}

/**
 * The text of key in the reader's language (falling back to Chinese, then to the key), with
 * {name} replaced by params.name.
 * @param {string} key @param {Record<string, string | number>} [params]
 */
export function t(key, params) {
    const s = messages[getLang()][key] ?? messages.zh[key] ?? key;
    if (!params) return s;
    return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

/** A vocabulary term's name in the reader's language. @param {{names: {zh: string, en: string}} | undefined} term @param {string} [fallback] */
export function termName(term, fallback = '') {
    return term ? term.names[getLang()] || term.names.zh : fallback;
}

addMessages({
    zh: {
        'app.title': '峰会',
        'app.skip': '跳到正文',
        'app.nav': '主导航',
        'app.menu': '菜单',
        'app.lang.other': 'English',
        'app.nav.events': '活动',
        'app.nav.myRegs': '我的报名',
        'app.nav.agenda': '我的日程',
        'app.nav.orgs': '我的机构',
        'app.nav.projects': '我的项目',
        'app.nav.matches': '对接',
        'app.nav.meetings': '我的会谈',
        'app.nav.organizer': '主办方',
        'app.nav.login': '登录',
        'app.nav.signup': '注册',
        'app.logout': '退出',
        'app.notif': '通知',
        'app.notif.none': '通知，没有未读',
        'app.notif.unread': '通知，{n} 条未读',
        'app.notif.new': '您有 {n} 条未读通知',
        'app.signedInAs': '已登录：{name}',
        'app.notFound': '页面不存在',
        'app.loadFailed': '页面加载失败，请检查网络后重试',
        'app.notFound.text': '没有这个页面。',
        'app.needLogin': '请先登录',
        'app.needRole': '此页面需要“{role}”身份。',
        'app.role.attendee': '参会者',
        'app.role.enterprise': '企业',
        'app.role.organizer': '主办方',
        'app.loading': '加载中…',
        'app.error.network': '网络错误，请稍后重试。',
        'app.error.generic': '出错了。',
        'app.footer': 'summitd · 中文 / English',
        'auth.login.title': '登录',
        'auth.signup.title': '注册账号',
        'auth.email': '电子邮箱',
        'auth.password': '密码',
        'auth.password.hint': '至少 8 个字符',
        'auth.name': '姓名',
        'auth.role': '身份',
        'auth.login.submit': '登录',
        'auth.signup.submit': '注册并登录',
        'auth.toSignup': '还没有账号？注册',
        'auth.toLogin': '已有账号？登录',
        'auth.loggedOut': '已退出登录',
        'auth.welcome': '欢迎，{name}',
        'common.save': '保存',
        'common.cancel': '取消',
        'common.close': '关闭',
        'common.edit': '编辑',
        'common.back': '返回',
        'common.none': '暂无',
        'common.yes': '是',
        'common.no': '否',
    },
    en: {
        'app.title': 'Summit',
        'app.skip': 'Skip to content',
        'app.nav': 'Main navigation',
        'app.menu': 'Menu',
        'app.lang.other': '中文',
        'app.nav.events': 'Events',
        'app.nav.myRegs': 'My registrations',
        'app.nav.agenda': 'My agenda',
        'app.nav.orgs': 'My organizations',
        'app.nav.projects': 'My projects',
        'app.nav.matches': 'Matches',
        'app.nav.meetings': 'My meetings',
        'app.nav.organizer': 'Organizer',
        'app.nav.login': 'Log in',
        'app.nav.signup': 'Sign up',
        'app.logout': 'Log out',
        'app.notif': 'Notifications',
        'app.notif.none': 'Notifications, none unread',
        'app.notif.unread': 'Notifications, {n} unread',
        'app.notif.new': 'You have {n} unread notifications',
        'app.signedInAs': 'Signed in: {name}',
        'app.notFound': 'Page not found',
        'app.loadFailed': 'The page could not be loaded; check the connection and try again',
        'app.notFound.text': 'There is no such page.',
        'app.needLogin': 'Please log in first',
        'app.needRole': 'This page needs the "{role}" role.',
        'app.role.attendee': 'attendee',
        'app.role.enterprise': 'enterprise',
        'app.role.organizer': 'organizer',
        'app.loading': 'Loading…',
        'app.error.network': 'Network error; please try again.',
        'app.error.generic': 'Something went wrong.',
        'app.footer': 'summitd · 中文 / English',
        'auth.login.title': 'Log in',
        'auth.signup.title': 'Create an account',
        'auth.email': 'Email',
        'auth.password': 'Password',
        'auth.password.hint': 'At least 8 characters',
        'auth.name': 'Name',
        'auth.role': 'Role',
        'auth.login.submit': 'Log in',
        'auth.signup.submit': 'Sign up and log in',
        'auth.toSignup': 'No account yet? Sign up',
        'auth.toLogin': 'Have an account? Log in',
        'auth.loggedOut': 'Logged out',
        'auth.welcome': 'Welcome, {name}',
        'common.save': 'Save',
        'common.cancel': 'Cancel',
        'common.close': 'Close',
        'common.edit': 'Edit',
        'common.back': 'Back',
        'common.none': 'None',
        'common.yes': 'Yes',
        'common.no': 'No',
    },
});
