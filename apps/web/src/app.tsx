import { useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider } from 'react-router-dom';
import { createQueryClient } from './api/query-client';
import { AccountPage } from './account/account-page';
import { AuditPage } from './admin/audit-page';
import { EditExamPage, NewExamPage } from './admin/exam-pages';
import { ExamsListPage } from './admin/exams-list-page';
import { LtiPage } from './admin/lti-page';
import { SessionAnswersPage } from './admin/session-answers-page';
import { SystemPage } from './admin/system-page';
import { UsersPage } from './admin/users-page';
import { WebhooksPage } from './admin/webhooks-page';
import { HomeRedirect, PublicOnly, RequireRole, RequireSignedIn } from './auth/guards';
import { SessionProvider } from './auth/session-provider';
import { StepUpHost } from './auth/second-factor-step-up';
import { ForgotPasswordPage } from './auth/forgot-password-page';
import { ResetPasswordPage } from './auth/reset-password-page';
import { VerifyEmailPage } from './auth/verify-email-page';
import { SignInPage } from './auth/signin-page';
import { SignUpPage } from './auth/signup-page';
import { RecordingPage } from './player/recording-page';
import { LiveDashboardPage } from './proctor/live-dashboard';
import { ProctorHome } from './proctor/proctor-home';
import { SessionDetailPage } from './proctor/session-detail';
import { ExamShell, SessionFlowPage } from './student/flow/session-flow';
import { PracticeRunPage } from './student/flow/practice-run';
import { StudentHome } from './student/student-home';
import { ReviewResultPage } from './student/review-result-page';
import { ReviewQueuePage } from './review/queue-page';
import { SessionReviewPage } from './review/session-review-page';
import { NotFoundPage } from './ui/not-found-page';
import { PublicShell, Shell } from './ui/shell';

/** Every route of the app, grouped by who may open it. */
export const router = createBrowserRouter([
  { path: '/', element: <HomeRedirect /> },
  {
    element: <PublicOnly />,
    children: [
      {
        element: <PublicShell />,
        children: [
          { path: '/signin', element: <SignInPage /> },
          { path: '/signup', element: <SignUpPage /> },
          { path: '/forgot-password', element: <ForgotPasswordPage /> },
        ],
      },
    ],
  },
  {
    // A reset link works whoever is signed in on this browser (success signs them out).
    element: <PublicShell />,
    children: [
      { path: '/reset-password', element: <ResetPasswordPage /> },
      // Likewise an e-mail verification link (signed in to another account, it is refused).
      { path: '/verify-email', element: <VerifyEmailPage /> },
    ],
  },
  {
    element: <RequireSignedIn />,
    children: [
      {
        // The exam attempt has its own focused layout, without navigation.
        element: <ExamShell />,
        children: [
          {
            element: <RequireRole roles={['student']} />,
            children: [
              { path: '/student/sessions/:sessionId', element: <SessionFlowPage /> },
              { path: '/student/practice/:sessionId', element: <PracticeRunPage /> },
            ],
          },
        ],
      },
      {
        element: <Shell />,
        children: [
          { path: '/account', element: <AccountPage /> },
          {
            element: <RequireRole roles={['student']} />,
            children: [
              { path: '/student', element: <StudentHome /> },
              { path: '/student/results/:sessionId', element: <ReviewResultPage /> },
            ],
          },
          {
            element: <RequireRole roles={['proctor', 'instructor', 'admin']} />,
            children: [
              { path: '/proctor', element: <ProctorHome /> },
              { path: '/proctor/exams/:id/live', element: <LiveDashboardPage /> },
              { path: '/proctor/sessions/:id', element: <SessionDetailPage /> },
              { path: '/admin/sessions/:id/recording', element: <RecordingPage /> },
              { path: '/review/exams/:id', element: <ReviewQueuePage /> },
              { path: '/review/sessions/:id', element: <SessionReviewPage /> },
            ],
          },
          {
            element: <RequireRole roles={['instructor', 'admin']} />,
            children: [
              { path: '/admin/exams', element: <ExamsListPage /> },
              { path: '/admin/exams/new', element: <NewExamPage /> },
              { path: '/admin/exams/:id', element: <EditExamPage /> },
              { path: '/admin/sessions/:id/answers', element: <SessionAnswersPage /> },
            ],
          },
          {
            element: <RequireRole roles={['admin']} />,
            children: [
              { path: '/admin/users', element: <UsersPage /> },
              { path: '/admin/audit', element: <AuditPage /> },
              { path: '/admin/webhooks', element: <WebhooksPage /> },
              { path: '/admin/lti', element: <LtiPage /> },
              { path: '/admin/system', element: <SystemPage /> },
            ],
          },
          { path: '*', element: <NotFoundPage /> },
        ],
      },
    ],
  },
]);

/** The application: the API data cache, the session, then the routes. */
export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <RouterProvider router={router} />
        <StepUpHost />
      </SessionProvider>
    </QueryClientProvider>
  );
}
