"""Every version of each consent text (data migrations 0004, 0010 and 0011 publish them; services
re-publish missing ones if a database was emptied, e.g. between transactional tests). Earlier
versions stay published: a consent given to any version of a purpose remains valid."""

FACE_PAYMENT_TEXT = """\
FacePay Street — consent to face payment (version 1)
刷脸支付同意书（第 1 版）

1. Purpose. When you look at a FacePay terminal on Wuma Street, the terminal's camera image is
   compared with the face templates of all enrolled customers (1:N identification) to find your
   wallet and take the payment you confirm on the screen.
   目的：您在五马街的刷脸终端前时，终端图像将与所有已登记用户的人脸模板比对（1:N 识别），以找到您的钱包并完成您在屏幕上确认的付款。
2. What is processed. The camera frames of that payment only; they are analysed in memory and not
   kept. Each identification that matched you is listed in your "who used my face" log.
   处理内容：仅限该次付款的摄像头画面，仅在内存中分析，不予保存。每次识别到您的记录都会列在“谁用了我的脸”日志中。
3. Safeguards. Payments above your step-up amount, or when another person looks similar, always
   ask for the last four digits of your phone. You can switch face payment off at any moment.
   保障：超过您设定的验证金额、或有相似人员时，始终要求输入手机号后四位。您可随时关闭刷脸支付。
4. Alternatives. You can always pay with your payment PIN or a one-time payment code instead.
   替代方式：您始终可以改用支付密码或一次性付款码付款。
5. Withdrawal. You can withdraw this consent at any time with one click in the portal; your face
   template is then deleted and removed from every terminal's index at once.
   撤回：您可随时在门户中一键撤回本同意，您的人脸模板将被立即删除并从所有终端索引中移除。
Legal bases: PIPL art. 13(1), 28, 29; GDPR art. 9(2)(a); BIPA 740 ILCS 14/15(b).
"""  # noqa: E501 - Chinese lines of the legal text

TEMPLATE_STORAGE_TEXT = """\
FacePay Street — consent to central storage of the face template (version 1)
人脸模板集中存储同意书（第 1 版）

1. What is stored. A face template: a list of 512 numbers computed from your enrolment photos.
   The photos themselves are deleted as soon as the template is made.
   存储内容：由登记照片计算出的人脸模板（512 个数字），照片在模板生成后立即删除。
2. How. The template is encrypted (AES-256-GCM) under a key that belongs to you alone; that key is
   itself encrypted by a platform key kept outside the database.
   方式：模板以专属于您的密钥加密（AES-256-GCM），该密钥再由数据库外保管的平台密钥加密。
3. How long. Until you delete it, withdraw consent or close your account, and at most until it
   has not been used for the retention period (730 days by default); we then delete it and tell you.
   期限：直至您删除、撤回同意或注销账户；若连续未使用达到保存期限（默认 730 天）即删除并通知您。
4. Your rights. Export your data, see every use of your face, delete your biometric data
   (the key is destroyed; a deletion receipt is shown) or close your account, all from the portal.
   您的权利：导出数据、查看每次人脸使用、删除生物识别数据（销毁密钥并出具删除回执）或注销账户，均可在门户中完成。
Legal bases: PIPL art. 19, 28, 29, 47; GB/T 35273-2020 §6.3; GDPR art. 9(2)(a), 17; BIPA 15(a).
"""

# Version 2 (issue 12): enrolment and payment use a short recording under a random challenge
# (photos are no longer accepted), and the template of the current pack has 640 numbers.
FACE_PAYMENT_TEXT_V2 = """\
FacePay Street — consent to face payment (version 2)
刷脸支付同意书（第 2 版）

1. Purpose. When you look at a FacePay terminal on Wuma Street, the terminal's camera image is
   compared with the face templates of all enrolled customers (1:N identification) to find your
   wallet and take the payment you confirm on the screen.
   目的：您在五马街的刷脸终端前时，终端图像将与所有已登记用户的人脸模板比对（1:N 识别），以找到您的钱包并完成您在屏幕上确认的付款。
2. Liveness check. The screen asks for an action chosen at random for that payment (blink, turn
   your head left or right, or nod) and the camera records about two seconds (10 to 20 frames).
   The recording must show one live face doing that action; a photo or a screen is refused.
   活体检测：屏幕会显示为该次付款随机选择的动作（眨眼、向左或向右转头、点头），摄像头录制约两秒（10 至 20 帧）。录像须显示同一张真人面孔完成该动作；照片或屏幕画面将被拒绝。
3. What is processed. The frames of that recording only; they are analysed and deleted as soon as
   the payment is recognised or refused, never kept. Each identification that matched you, with
   the action asked, is listed in your "who used my face" log.
   处理内容：仅限该次录像的画面，分析后在付款识别完成或被拒绝时立即删除，不予保存。每次识别到您的记录（含所要求的动作）都会列在“谁用了我的脸”日志中。
4. Safeguards. Payments above your step-up amount, or when another person looks similar, always
   ask for the last four digits of your phone. You can switch face payment off at any moment.
   保障：超过您设定的验证金额、或有相似人员时，始终要求输入手机号后四位。您可随时关闭刷脸支付。
5. Alternatives. You can always pay with your payment PIN or a one-time payment code instead.
   替代方式：您始终可以改用支付密码或一次性付款码付款。
6. Withdrawal. You can withdraw this consent at any time with one click in the portal; your face
   template is then deleted and removed from every terminal's index at once.
   撤回：您可随时在门户中一键撤回本同意，您的人脸模板将被立即删除并从所有终端索引中移除。
Legal bases: PIPL art. 13(1), 28, 29; GDPR art. 9(2)(a); BIPA 740 ILCS 14/15(b).
"""  # noqa: E501 - Chinese lines of the legal text

TEMPLATE_STORAGE_TEXT_V2 = """\
FacePay Street — consent to central storage of the face template (version 2)
人脸模板集中存储同意书（第 2 版）

1. What is stored. A face template: a list of 640 numbers computed from the frames of a short
   camera recording made at enrolment (about two seconds, 10 to 20 frames, while the page asks
   for an action chosen at random: blink, turn your head or nod). The template is made only when
   the recording shows a live person; photos cannot be uploaded. The frames are deleted as soon
   as the template is made or refused.
   存储内容：由登记时摄像头短录像（约两秒、10 至 20 帧，录制时页面要求随机选择的动作：眨眼、转头或点头）的画面计算出的人脸模板（640 个数字）。只有录像显示为真人时才会生成模板；不接受上传照片。画面在模板生成或被拒绝后立即删除。
2. How. The template is encrypted (AES-256-GCM) under a key that belongs to you alone; that key is
   itself encrypted by a platform key kept outside the database.
   方式：模板以专属于您的密钥加密（AES-256-GCM），该密钥再由数据库外保管的平台密钥加密。
3. How long. Until you delete it, withdraw consent or close your account, and at most until it
   has not been used for the retention period (730 days by default); we then delete it and tell you.
   期限：直至您删除、撤回同意或注销账户；若连续未使用达到保存期限（默认 730 天）即删除并通知您。
4. Your rights. Export your data, see every use of your face, delete your biometric data
   (the key is destroyed; a deletion receipt is shown) or close your account, all from the portal.
   您的权利：导出数据、查看每次人脸使用、删除生物识别数据（销毁密钥并出具删除回执）或注销账户，均可在门户中完成。
Legal bases: PIPL art. 19, 28, 29, 47; GB/T 35273-2020 §6.3; GDPR art. 9(2)(a), 17; BIPA 15(a).
"""  # noqa: E501 - Chinese lines of the legal text

# Version 3: the recording is about one and a half seconds (12 frames at 7.5 fps), no longer
# about two; nothing else changed.
FACE_PAYMENT_TEXT_V3 = """\
FacePay Street — consent to face payment (version 3)
刷脸支付同意书（第 3 版）

1. Purpose. When you look at a FacePay terminal on Wuma Street, the terminal's camera image is
   compared with the face templates of all enrolled customers (1:N identification) to find your
   wallet and take the payment you confirm on the screen.
   目的：您在五马街的刷脸终端前时，终端图像将与所有已登记用户的人脸模板比对（1:N 识别），以找到您的钱包并完成您在屏幕上确认的付款。
2. Liveness check. The screen asks for an action chosen at random for that payment (blink, turn
   your head left or right, or nod) and the camera records about one and a half seconds
   (10 to 20 frames). The recording must show one live face doing that action; a photo or a
   screen is refused.
   活体检测：屏幕会显示为该次付款随机选择的动作（眨眼、向左或向右转头、点头），摄像头录制约一秒半（10 至 20 帧）。录像须显示同一张真人面孔完成该动作；照片或屏幕画面将被拒绝。
3. What is processed. The frames of that recording only; they are analysed and deleted as soon as
   the payment is recognised or refused, never kept. Each identification that matched you, with
   the action asked, is listed in your "who used my face" log.
   处理内容：仅限该次录像的画面，分析后在付款识别完成或被拒绝时立即删除，不予保存。每次识别到您的记录（含所要求的动作）都会列在“谁用了我的脸”日志中。
4. Safeguards. Payments above your step-up amount, or when another person looks similar, always
   ask for the last four digits of your phone. You can switch face payment off at any moment.
   保障：超过您设定的验证金额、或有相似人员时，始终要求输入手机号后四位。您可随时关闭刷脸支付。
5. Alternatives. You can always pay with your payment PIN or a one-time payment code instead.
   替代方式：您始终可以改用支付密码或一次性付款码付款。
6. Withdrawal. You can withdraw this consent at any time with one click in the portal; your face
   template is then deleted and removed from every terminal's index at once.
   撤回：您可随时在门户中一键撤回本同意，您的人脸模板将被立即删除并从所有终端索引中移除。
Legal bases: PIPL art. 13(1), 28, 29; GDPR art. 9(2)(a); BIPA 740 ILCS 14/15(b).
"""  # noqa: E501 - Chinese lines of the legal text

TEMPLATE_STORAGE_TEXT_V3 = """\
FacePay Street — consent to central storage of the face template (version 3)
人脸模板集中存储同意书（第 3 版）

1. What is stored. A face template: a list of 640 numbers computed from the frames of a short
   camera recording made at enrolment (about one and a half seconds, 10 to 20 frames, while the
   page asks for an action chosen at random: blink, turn your head or nod). The template is made
   only when the recording shows a live person; photos cannot be uploaded. The frames are deleted
   as soon as the template is made or refused.
   存储内容：由登记时摄像头短录像（约一秒半、10 至 20 帧，录制时页面要求随机选择的动作：眨眼、转头或点头）的画面计算出的人脸模板（640 个数字）。只有录像显示为真人时才会生成模板；不接受上传照片。画面在模板生成或被拒绝后立即删除。
2. How. The template is encrypted (AES-256-GCM) under a key that belongs to you alone; that key is
   itself encrypted by a platform key kept outside the database.
   方式：模板以专属于您的密钥加密（AES-256-GCM），该密钥再由数据库外保管的平台密钥加密。
3. How long. Until you delete it, withdraw consent or close your account, and at most until it
   has not been used for the retention period (730 days by default); we then delete it and tell you.
   期限：直至您删除、撤回同意或注销账户；若连续未使用达到保存期限（默认 730 天）即删除并通知您。
4. Your rights. Export your data, see every use of your face, delete your biometric data
   (the key is destroyed; a deletion receipt is shown) or close your account, all from the portal.
   您的权利：导出数据、查看每次人脸使用、删除生物识别数据（销毁密钥并出具删除回执）或注销账户，均可在门户中完成。
Legal bases: PIPL art. 19, 28, 29, 47; GB/T 35273-2020 §6.3; GDPR art. 9(2)(a), 17; BIPA 15(a).
"""  # noqa: E501 - Chinese lines of the legal text

FACE_PAYMENT_TITLE = "Consent to face payment"
TEMPLATE_STORAGE_TITLE = "Consent to central storage of the face template"

# (purpose, version, title, text), oldest first; the newest version of a purpose is current.
DOCUMENT_VERSIONS: list[tuple[str, int, str, str]] = [
    ("face_payment", 1, FACE_PAYMENT_TITLE, FACE_PAYMENT_TEXT),
    ("template_storage", 1, TEMPLATE_STORAGE_TITLE, TEMPLATE_STORAGE_TEXT),
    ("face_payment", 2, FACE_PAYMENT_TITLE, FACE_PAYMENT_TEXT_V2),
    ("template_storage", 2, TEMPLATE_STORAGE_TITLE, TEMPLATE_STORAGE_TEXT_V2),
    ("face_payment", 3, FACE_PAYMENT_TITLE, FACE_PAYMENT_TEXT_V3),
    ("template_storage", 3, TEMPLATE_STORAGE_TITLE, TEMPLATE_STORAGE_TEXT_V3),
]
